import path from "node:path";
import {
  EXTENSION_KINDS,
  ExtensionError,
  type ExtensionKind,
  RISK_TIERS,
  type RiskTier,
} from "@ameide-ext/contract";
import { createHookTsconfig } from "@ameide-ext/pdk/tsconfig";
import type { EventSink } from "@ameide-ext/toolkit";
import {
  CREATED_BY_PATTERN,
  checkManifest,
  DEFAULT_HOOK_LANGUAGE,
  displayPath,
  formatJson,
  HOOK_ID_LENGTH,
  HOOK_ID_PATTERN,
  HOOK_LANGUAGES,
  type HookLanguage,
  type HookManifest,
  MANIFEST_FILE,
} from "@ameide-ext/toolkit";
import type { CliDeps } from "../deps.js";
import { readOnlyFlagsOf } from "../registry/dev-read-only-methods.js";
import { TEMPLATE_IGNORED, TEMPLATES_DIR, TSCONFIG_FILE } from "./templates.js";

/** Options of {@link newHook}. */
export interface NewHookOptions {
  /** The hook's name, which becomes its id: lowercase kebab-case, 3..64 characters. */
  name: string;
  /** process_hook, domain_hook or agent_tool. */
  kind: string;
  /** The language: assemblyscript (the default) or typescript. */
  lang?: string;
  /** The risk tier; default the template's (low, or medium for agent_tool, which makes a read-only host call). */
  riskTier?: string;
  /** The folder to create, absolute or relative to `deps.cwd`. Default `./<name>`. Must not exist, or be empty. */
  dir?: string;
  /**
   * Where the folder will live when `dir` is a private copy written back there (the MCP server's
   * scaffold_hook): the tsconfig's paths are relative to it. Default `dir`.
   */
  finalDir?: string;
  /** `metadata.created_by`. Default: env `AMEIDE_ACTOR`, else `user:<os user name>`. */
  createdBy?: string;
  /** Where the templates are. Default {@link TEMPLATES_DIR}. */
  templatesDir?: string;
  /** One `file-written` event per file. */
  onEvent?: EventSink;
}

/** A scaffolded hook. */
export interface NewHookResult {
  /** Always true: failures throw. */
  ok: true;
  /** Absolute path of the new hook's folder. */
  dir: string;
  /** The hook's id. */
  id: string;
  /** Its kind. */
  kind: ExtensionKind;
  /** Its language. */
  lang: HookLanguage;
  /** Its risk tier. */
  riskTier: RiskTier;
  /** `metadata.created_by`. */
  createdBy: string;
  /** The files written, relative to `dir`, sorted. */
  files: string[];
  /**
   * The flags `ameide-ext dev` needs for this hook: `--read-only <service>/<method>` for each host call its
   * manifest marks read_only (on the dev stack the developer is the operator who declares it). Empty for none.
   */
  devFlags: string[];
}

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ExtensionError(
    "invalid_argument",
    `${flag} is ${JSON.stringify(value)}, it must be one of ${allowed.join(", ")}`,
    undefined,
    { field: flag, value, allowed },
  );
}

/** Checks a hook name: lowercase kebab-case, 3..64 characters. Throws `invalid_argument`. */
export function checkHookName(name: string): string {
  const { min, max } = HOOK_ID_LENGTH;
  if (
    typeof name !== "string" ||
    name.length < min ||
    name.length > max ||
    !new RegExp(HOOK_ID_PATTERN).test(name)
  ) {
    throw new ExtensionError(
      "invalid_argument",
      `the name ${JSON.stringify(name)} is not a valid hook id: it must be lowercase kebab-case (a-z, 0-9 and single dashes, starting with a letter), ${min} to ${max} characters, e.g. "deal-approval"`,
      undefined,
      { field: "name", value: name },
    );
  }
  return name;
}

/**
 * `ameide-ext new`: scaffolds a hook from `templates/<lang>/<kind>/` into a
 * new folder: its manifest (id, risk tier and created_by set), `src/index.ts`,
 * `tests/*.json`, a README and a `.gitignore`; a TypeScript hook also gets a
 * `tsconfig.json` that points editors at the guest PDK. The hook builds and
 * passes its tests at once, offline, with no npm install in its folder.
 *
 * Throws `invalid_argument` for a bad name, kind, language, risk tier or
 * creator, and `failed_precondition` when the folder exists and is not empty.
 */
export async function newHook(options: NewHookOptions, deps: CliDeps): Promise<NewHookResult> {
  const emit = options.onEvent ?? (() => {});
  const id = checkHookName(options.name);
  const kind = oneOf(options.kind, EXTENSION_KINDS, "--kind");
  const lang = oneOf(options.lang ?? DEFAULT_HOOK_LANGUAGE, HOOK_LANGUAGES, "--lang");
  const riskTier =
    options.riskTier === undefined ? undefined : oneOf(options.riskTier, RISK_TIERS, "--risk-tier");
  const fromEnv = nonEmpty(deps.env.AMEIDE_ACTOR);
  const [createdBy, source] =
    options.createdBy !== undefined
      ? [options.createdBy, "--created-by"]
      : fromEnv !== undefined
        ? [fromEnv, "AMEIDE_ACTOR"]
        : [`user:${deps.username().replace(/\s+/g, "-")}`, "the OS user name"];
  if (!new RegExp(CREATED_BY_PATTERN).test(createdBy)) {
    throw new ExtensionError(
      "invalid_argument",
      `created_by is ${JSON.stringify(createdBy)} (from ${source}), it must be "user:<id>" or "agent:<id>"`,
      undefined,
      { field: "created_by", value: createdBy },
    );
  }

  const { fs } = deps;
  const dir = path.resolve(deps.cwd, options.dir ?? id);
  const shown = displayPath(deps.cwd, dir);
  const existing = await fs.kind(dir);
  if (existing === "file") {
    throw new ExtensionError(
      "failed_precondition",
      `${shown} exists and is a file; choose another --dir`,
      undefined,
      {
        dir,
      },
    );
  }
  if (existing === "dir") {
    const entries = await fs.readdir(dir);
    if (entries.length > 0) {
      const some = entries.slice(0, 3).join(", ") + (entries.length > 3 ? ", …" : "");
      throw new ExtensionError(
        "failed_precondition",
        `${shown} is not empty (${entries.length} ${entries.length === 1 ? "entry" : "entries"}: ${some}); new never overwrites: choose another --dir or empty it`,
        undefined,
        { dir, entries: entries.length },
      );
    }
  }

  const templateDir = path.join(options.templatesDir ?? TEMPLATES_DIR, lang, kind);
  if ((await fs.kind(templateDir)) !== "dir") {
    throw new ExtensionError(
      "not_found",
      `there is no ${lang} template for ${kind} (looked in ${templateDir})`,
    );
  }
  const files = await listFiles(templateDir, fs);
  const manifestText = await fs.readText(path.join(templateDir, MANIFEST_FILE));
  const template = JSON.parse(manifestText) as HookManifest;
  const manifest: HookManifest = {
    ...template,
    id,
    risk_tier: riskTier ?? template.risk_tier,
    metadata: { ...template.metadata, created_by: createdBy },
  };
  try {
    checkManifest(manifest);
  } catch (cause) {
    const e = ExtensionError.from(cause);
    throw new ExtensionError(
      "invalid_argument",
      `the ${kind} template does not fit these options:\n${e.message.split("\n").slice(1).join("\n")}`,
      undefined,
      e.details,
    );
  }

  const written: string[] = [];
  const write = async (rel: string, data: string | Uint8Array) => {
    await fs.writeFile(path.join(dir, rel), data);
    written.push(rel);
    emit({ type: "file-written", file: path.join(dir, rel) });
  };
  await fs.mkdir(dir);
  for (const rel of files) {
    const source = path.join(templateDir, rel);
    if (rel === MANIFEST_FILE) await write(rel, formatJson(manifest));
    // The template's paths to the guest PDK hold from templates/; the new folder needs its own.
    else if (rel === TSCONFIG_FILE)
      await write(rel, formatJson(createHookTsconfig(path.resolve(deps.cwd, options.finalDir ?? dir))));
    else if (rel === "README.md") await write(rel, (await fs.readText(source)).split(template.id).join(id));
    else await write(rel, await fs.readBytes(source));
  }
  if (!files.includes(".gitignore")) await write(".gitignore", "dist/\n");
  const devFlags = readOnlyFlagsOf(manifest.host_calls);
  return {
    ok: true,
    dir,
    id,
    kind,
    lang,
    riskTier: manifest.risk_tier,
    createdBy,
    files: written.sort(),
    devFlags,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

async function listFiles(root: string, fs: CliDeps["fs"]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await fs.readdir(path.join(root, rel))).sort()) {
      if (TEMPLATE_IGNORED.has(name)) continue;
      const child = rel === "" ? name : path.join(rel, name);
      const kind = await fs.kind(path.join(root, child));
      if (kind === "dir") await walk(child);
      else if (kind === "file") out.push(child);
    }
  };
  await walk("");
  return out;
}
