import { ExtensionError, explainError } from "@ameide-ext/contract";
import { buildHook, displayPath, type JsonSchema, runHook, testHook } from "@ameide-ext/toolkit";
import type { ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import type { CliDeps } from "../deps.js";
import { newHook } from "../new/new-hook.js";
import { promoteHook } from "../registry/promote-hook.js";
import type { RegistryFlags } from "../registry/registry-settings.js";
import { registryStatus } from "../registry/registry-status.js";
import { explainRule, RULE_FIXES } from "../registry/rule-guide.js";
import { toJsonDocument } from "../report/json-documents.js";
import { withCheckedCopy } from "./checked-copy.js";
import { loadConfinedManifest } from "./confined-manifest.js";
import { findHooks } from "./find-hooks.js";
import { makeHookFolder, removeMadeFolders } from "./make-hook-folder.js";
import { TOOL_INPUT_SCHEMAS, TOOL_OUTPUT_SCHEMAS, type ToolName } from "./tool-schemas.js";
import type { WorkspaceRoot } from "./workspace-root.js";

/** What every tool call of one server shares: where it may work, who it acts as, the side effects. */
export interface McpSession {
  /** The folder every dir argument must lie in. */
  root: WorkspaceRoot;
  /** The agent identity the server acts as, `agent:<id>`: the created_by of what it scaffolds. */
  actor: string;
  /**
   * Where the registry is (flags; else the environment and config file, as the CLI) and the agent's token,
   * which must be given here (`--token` or `AMEIDE_TOKEN`): the config file's token is a person's, and the
   * server never acts as a person. Without it the registry tools refuse with `unauthenticated`.
   */
  registry: RegistryFlags;
  /** Side effects; `cwd` is the workspace root. */
  deps: CliDeps;
}

/** One tool of `ameide-ext mcp`: the CLI command it stands for, as MCP describes a tool. */
export interface McpTool {
  name: ToolName;
  /** The CLI command it does the work of. */
  command: string;
  description: string;
  /**
   * MCP's hints for a client deciding what to confirm with its user: read-only (status, lists, explanations),
   * destructive (none: nothing deletes or overwrites unasked), idempotent, and open world (the registry).
   */
  annotations: ToolAnnotations;
  inputSchema: JsonSchema;
  outputSchema: JsonSchema;
  /**
   * Does the work; `args` already match `inputSchema`. `progress` sends a line to the client while it waits
   * (an MCP progress notification when the request asked for them). Throws ExtensionError.
   */
  run(args: Args, session: McpSession, progress: (message: string) => void): Promise<Record<string, unknown>>;
}

/** A tool's arguments, checked against its input schema. */
type Args = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** The registry flags with the agent's own token; `unauthenticated` when the server was given none. */
function agentRegistry(s: McpSession): RegistryFlags & { token: string } {
  const token = s.registry.token;
  if (token === undefined || token === "") {
    const fix = `start ameide-ext mcp with the token of ${s.actor}: --token <token> or AMEIDE_TOKEN (\`ameide-ext dev\` writes one for agent:dev in .ameide-dev/tokens.json)`;
    throw new ExtensionError(
      "unauthenticated",
      `the MCP server has no token for ${s.actor}, and does not borrow the config file's (a person's): ${fix}`,
      undefined,
      { fix },
    );
  }
  return { ...s.registry, token };
}

/**
 * Resolves the `dir` argument inside the root and runs `work` on a private, checked copy of that hook folder
 * (checked-copy.ts): the build reads what the check saw, never the folder again (no TOCTOU), and what it
 * writes comes back through the same checks.
 */
async function inCheckedHook<T>(
  s: McpSession,
  value: unknown,
  work: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await s.root.resolve("dir", String(value));
  return withCheckedCopy(s.root.root, "dir", dir, work);
}

/**
 * scaffold_hook: makes the hook folder inside the root, scaffolds into a private copy of it and writes the
 * files back through the checks of checked-copy.ts, so a folder swapped for a link while it writes is refused,
 * never written through. The folders it made are removed again when it fails.
 */
async function scaffoldInCheckedCopy(a: Args, s: McpSession): Promise<Record<string, unknown>> {
  const dir = await s.root.resolve("dir", str(a.dir) ?? String(a.name));
  const made = await makeHookFolder(s.root.root, "dir", dir);
  try {
    return await withCheckedCopy(s.root.root, "dir", dir, async (copy) => {
      const options: Parameters<typeof newHook>[0] = {
        name: String(a.name),
        kind: String(a.kind),
        dir: copy,
        finalDir: dir,
        createdBy: s.actor,
      };
      if (a.lang !== undefined) options.lang = String(a.lang);
      if (a.riskTier !== undefined) options.riskTier = String(a.riskTier);
      return toJsonDocument({ command: "new", result: await newHook(options, s.deps) });
    });
  } catch (cause) {
    await removeMadeFolders(made);
    throw cause;
  }
}

/** The id in the manifest of the hook folder `dir` (resolved inside the root), read confined to the root. */
async function hookIdIn(s: McpSession, dir: string): Promise<string> {
  const loaded = await loadConfinedManifest(s.root.root, "dir", dir, displayPath(s.deps.cwd, dir));
  return loaded.manifest.id;
}

/** The hints of a tool: what it writes and where it reaches. */
type Hints = "reads" | "writes" | "writes-again" | "registry-reads" | "registry-writes";

const HINTS: Readonly<Record<Hints, ToolAnnotations>> = {
  reads: { readOnlyHint: true, openWorldHint: false },
  writes: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  "writes-again": { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  "registry-reads": { readOnlyHint: true, openWorldHint: true },
  "registry-writes": {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
  },
};

function tool(
  name: ToolName,
  command: string,
  hints: Hints,
  description: string,
  run: McpTool["run"],
): McpTool {
  return {
    name,
    command,
    description,
    annotations: HINTS[hints],
    inputSchema: TOOL_INPUT_SCHEMAS[name],
    outputSchema: TOOL_OUTPUT_SCHEMAS[name],
    run,
  };
}

/**
 * The tools, in the order of the lifecycle (scaffold, build, test, run, promote, status). There is no approve:
 * an agent never approves (the registry refuses it, and the server does not offer it).
 */
export const MCP_TOOLS: readonly McpTool[] = [
  tool(
    "scaffold_hook",
    "new",
    "writes",
    "Scaffold a hook from a template (extension.json, src/index.ts, tests/*.json, README) that builds and passes its tests at once; created_by is the server's agent identity.",
    scaffoldInCheckedCopy,
  ),
  tool(
    "build_hook",
    "build",
    "writes-again",
    "Compile the hook's src/index.ts to a WebAssembly component and check it against the contract; compile errors come back as invalid_argument/compile_error with details.diagnostics.",
    (a, s) =>
      inCheckedHook(s, a.dir, async (dir) => {
        const options: Parameters<typeof buildHook>[0] = { dir };
        if (typeof a.optimize === "boolean") options.optimize = a.optimize;
        return toJsonDocument({ command: "build", result: await buildHook(options, s.deps) });
      }),
  ),
  tool(
    "test_hook",
    "test",
    "writes-again",
    "Run the hook's tests/*.json fixtures with production limits (builds first when stale); per case: ok, failures, diff, and fuel, memory, output and time used of each limit.",
    (a, s) =>
      inCheckedHook(s, a.dir, async (dir) => {
        const options: Parameters<typeof testHook>[0] = { dir };
        if (a.filter !== undefined) options.filter = String(a.filter);
        if (a.update === true) options.update = true;
        return toJsonDocument({ command: "test", result: await testHook(options, s.deps) });
      }),
  ),
  tool(
    "run_hook",
    "run",
    "writes-again",
    "Invoke the hook once with one input (and optional host-call answers) under the manifest's limits; an invocation error is a result (ok false, error), not a tool error.",
    (a, s) =>
      inCheckedHook(s, a.dir, async (dir) => {
        const options: Parameters<typeof runHook>[0] = { dir, input: a.input };
        if (a.riskTier !== undefined) options.riskTier = String(a.riskTier);
        if (Array.isArray(a.hostCalls))
          options.hostCalls = a.hostCalls as NonNullable<typeof options.hostCalls>;
        return toJsonDocument({ command: "run", result: await runHook(options, s.deps) });
      }),
  ),
  tool(
    "explain_error",
    "-",
    "reads",
    "What an error means and the one-line fix: by a refusal's rule (error.details.rule), else its reason, else its code.",
    async (a) => {
      const rule = str(a.rule);
      if (rule === undefined)
        return { ok: true, ...explainError({ code: str(a.code), reason: str(a.reason) }) };
      const guide = explainRule(rule);
      if (guide === undefined)
        throw new ExtensionError(
          "invalid_argument",
          `unknown rule ${JSON.stringify(rule)}: use one of ${Object.keys(RULE_FIXES).join(", ")}`,
          "invalid_input",
        );
      return { ok: true, code: guide.code, reason: null, rule, meaning: guide.meaning, fix: guide.fix };
    },
  ),
  tool(
    "promote_hook",
    "promote",
    "registry-writes",
    "Upload the hook to the registry as the server's agent identity, wait for the remote compile and fixtures, and request promotion up to env; stops at a gate (a human approval) and names its rule. Never approves.",
    async (a, s, progress) => {
      const registry = agentRegistry(s); // refused before any file is read
      return inCheckedHook(s, a.dir, async (dir) => {
        const r = await promoteHook(
          // The agent writes the root: the gate's approve command never runs this server's script from it.
          {
            ...registry,
            dir,
            env: String(a.env),
            comment: str(a.comment),
            onProgress: progress,
            agentRoot: s.root.root,
          },
          s.deps,
        );
        return { ...r };
      });
    },
  ),
  tool(
    "hook_status",
    "status",
    "registry-reads",
    "A hook's versions in the registry, their states and compile results, what each environment runs, and pending promotions with the approvals they need.",
    async (a, s) => {
      const extension = str(a.extension);
      if (extension === undefined && a.dir === undefined)
        throw new ExtensionError(
          "invalid_argument",
          "hook_status needs dir (the hook's folder) or extension (its id)",
        );
      const dir = a.dir === undefined ? undefined : await s.root.resolve("dir", String(a.dir));
      const registry = agentRegistry(s);
      // The id comes from the manifest read through a checked handle: a link swapped in after the check above
      // is refused, never read (its parse errors would echo the file outside the root).
      const id = extension ?? (await hookIdIn(s, dir ?? s.root.root));
      return { ...(await registryStatus({ ...registry, extension: id }, s.deps)) };
    },
  ),
  tool(
    "list_extensions",
    "-",
    "reads",
    "The hooks (folders with an extension.json) under the workspace root: id, folder, kind, language, risk tier, version.",
    async (_a, s) => {
      const { hooks, problems } = await findHooks(s.root.root);
      const doc: Record<string, unknown> = { ok: true, root: s.root.root, extensions: hooks };
      if (problems.length > 0) doc.problems = problems;
      return doc;
    },
  ),
];
