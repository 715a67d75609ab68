import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { DiagnosticRecord } from "../domain/types.js";
import { checkInstalledPackages } from "./check-installed-packages.js";
import {
  checkLockfile,
  checkPackageJson,
  declaredDependencies,
  type LockedDependencies,
  MAX_LOCKFILE_BYTES,
  MAX_PACKAGE_JSON_BYTES,
} from "./check-lockfile.js";
import { diag } from "./compile-diagnostics.js";

/** Settings of the dependency install of a compile, defaults filled in (see {@link dependencySettings}). */
export interface DependencySettings {
  /** The npm registry packages come from; a lockfile naming another URL is refused. */
  registryUrl: string;
  /** Wall-clock limit of `npm ci`, ms (`dependency_install_timeout`). */
  timeoutMs: number;
  /** Largest installed `node_modules`, bytes (`dependency_too_large`). */
  maxBytes: number;
  /** Most files and folders in the installed `node_modules` (`dependency_too_large`). */
  maxFiles: number;
  /** The npm CLI's entry script, run with this `node`. */
  npmCli: string;
}

/** Options of the dependency install, each with its default (see `CompileWorkerOptions.dependencies`). */
export interface DependencyOptions {
  /** The npm registry packages come from. Default https://registry.npmjs.org/. */
  registryUrl?: string | undefined;
  /** Wall-clock limit of `npm ci`, ms. Default 60 000. */
  timeoutMs?: number | undefined;
  /** Largest installed `node_modules`, bytes. Default 32 MiB. */
  maxBytes?: number | undefined;
  /** Most files and folders in the installed `node_modules`. Default 5 000. */
  maxFiles?: number | undefined;
  /** The npm CLI's entry script. Default the npm that ships with this `node` (`<prefix>/lib/node_modules/npm/bin/npm-cli.js`). */
  npmCli?: string | undefined;
}

/** The npm registry a compile installs from by default. */
export const DEFAULT_NPM_REGISTRY = "https://registry.npmjs.org/";
/** Default wall-clock limit of `npm ci` in a compile, ms. */
export const DEFAULT_INSTALL_TIMEOUT_MS = 60_000;
/** Default cap on a hook's installed dependencies, bytes: a hook bundles a few small pure-JS packages. */
export const DEFAULT_INSTALL_MAX_BYTES = 32 * 1024 * 1024;
/** Default cap on the files and folders of a hook's installed dependencies. */
export const DEFAULT_INSTALL_MAX_FILES = 5_000;
/** How much of npm's output a failure keeps (the end of it). */
const NPM_OUTPUT_TAIL = 2048;

/** Fills in the defaults of `options`. */
export function dependencySettings(options: DependencyOptions = {}): DependencySettings {
  return {
    registryUrl: options.registryUrl ?? DEFAULT_NPM_REGISTRY,
    timeoutMs: options.timeoutMs ?? DEFAULT_INSTALL_TIMEOUT_MS,
    maxBytes: options.maxBytes ?? DEFAULT_INSTALL_MAX_BYTES,
    maxFiles: options.maxFiles ?? DEFAULT_INSTALL_MAX_FILES,
    npmCli:
      options.npmCli ??
      path.join(path.dirname(process.execPath), "..", "lib", "node_modules", "npm", "bin", "npm-cli.js"),
  };
}

/**
 * Installs the npm dependencies of the hook in `dir` as `ameide-ext build` finds them there (in its
 * own `node_modules`), so the registry builds what the CLI builds (issue #14). Nothing happens when
 * the hook's `package.json` declares no dependencies. Otherwise its `package-lock.json` is checked
 * ({@link checkLockfile}), `npm ci --ignore-scripts` runs in `scratch` (a folder holding only
 * package.json, the lockfile and the `file:` tarballs it names, never an uploaded `.npmrc`) as a
 * process with a clean environment (no variable of the registry's, a scratch HOME, cache and npm
 * config), under `settings.timeoutMs`; the packages it installed are checked
 * ({@link checkInstalledPackages}) and moved to `<dir>/node_modules` (an uploaded one is replaced).
 * Resolves with the diagnostics of a refusal (empty when installed), never rejects for the hook's
 * content.
 */
export async function installDependencies(
  dir: string,
  scratch: string,
  settings: DependencySettings,
): Promise<DiagnosticRecord[]> {
  const read = await readDependencyFiles(dir);
  if ("diagnostics" in read) return read.diagnostics;
  if (read.packageJson === undefined || declaredDependencies(read.packageJson.doc).length === 0) return [];
  if (read.lockfile === undefined)
    return [
      diag(
        "build",
        "dependency_lockfile_missing",
        `package.json declares ${declaredDependencies(read.packageJson.doc)
          .map((n) => JSON.stringify(n))
          .join(
            ", ",
          )} but the upload has no package-lock.json: run \`npm install\` in the hook's folder and keep package-lock.json beside package.json`,
        "error",
        { path: "package.json" },
      ),
    ];
  const checked = checkLockfile(read.lockfile.doc, settings.registryUrl);
  if ("diagnostics" in checked) return checked.diagnostics;
  const declared = checkPackageJson(read.packageJson.doc, read.lockfile.doc);
  if (declared.length > 0) return declared;
  const missing = await prepareScratch(dir, scratch, read, checked.locked);
  if (missing !== undefined) return [missing];
  const npm = await runNpmCi(scratch, settings, !checked.locked.fromRegistry);
  if (npm !== undefined) return [npm];
  const nodeModules = path.join(scratch, "node_modules");
  if (!existsSync(nodeModules)) return [];
  const refused = await checkInstalledPackages(nodeModules, settings);
  if (refused.length > 0) return refused;
  await rm(path.join(dir, "node_modules"), { recursive: true, force: true });
  await rename(nodeModules, path.join(dir, "node_modules"));
  return [];
}

interface JsonFile {
  text: string;
  doc: unknown;
}

/** The hook's package.json and package-lock.json, each read when present and under its cap. */
async function readDependencyFiles(
  dir: string,
): Promise<{ packageJson?: JsonFile; lockfile?: JsonFile } | { diagnostics: DiagnosticRecord[] }> {
  const out: { packageJson?: JsonFile; lockfile?: JsonFile } = {};
  for (const [key, name, cap] of [
    ["packageJson", "package.json", MAX_PACKAGE_JSON_BYTES],
    ["lockfile", "package-lock.json", MAX_LOCKFILE_BYTES],
  ] as const) {
    const file = path.join(dir, name);
    const info = await stat(file).catch(() => undefined);
    if (info === undefined || !info.isFile()) continue;
    const at = { path: name };
    if (info.size > cap)
      return {
        diagnostics: [
          diag(
            "build",
            "dependency_manifest_too_large",
            `${name} is ${info.size} bytes, the limit is ${cap}: depend on fewer packages`,
            "error",
            at,
          ),
        ],
      };
    const text = await readFile(file, "utf8");
    try {
      out[key] = { text, doc: JSON.parse(text) as unknown };
    } catch (cause) {
      const why = cause instanceof Error ? cause.message : String(cause);
      return {
        diagnostics: [
          diag(
            "build",
            "dependency_lockfile",
            `${name} is not JSON (${why}): fix it or run npm install again`,
            "error",
            at,
          ),
        ],
      };
    }
  }
  return out;
}

/**
 * Fills `scratch` with what `npm ci` reads: package.json, the lockfile, the tarballs the lockfile
 * names (by their paths in the hook) and an empty npm config; or the diagnostic of a missing tarball.
 */
async function prepareScratch(
  dir: string,
  scratch: string,
  read: { packageJson?: JsonFile; lockfile?: JsonFile },
  locked: LockedDependencies,
): Promise<DiagnosticRecord | undefined> {
  await mkdir(path.join(scratch, ".home"), { recursive: true });
  // npm refuses one file as both configs: two empty ones, so neither the host's user nor global config is read.
  await writeFile(path.join(scratch, ".home", ".npmrc"), "");
  await writeFile(path.join(scratch, ".home", "global-npmrc"), "");
  await writeFile(path.join(scratch, "package.json"), read.packageJson?.text ?? "{}");
  await writeFile(path.join(scratch, "package-lock.json"), read.lockfile?.text ?? "{}");
  for (const tarball of locked.tarballs) {
    const from = path.join(dir, ...tarball.split("/"));
    const info = await stat(from).catch(() => undefined);
    if (info === undefined || !info.isFile())
      return diag(
        "build",
        "dependency_source",
        `package-lock.json names the tarball ${JSON.stringify(tarball)}, which the upload does not hold: keep it in the hook's folder (not under node_modules or a dot-folder)`,
        "error",
        { path: "package-lock.json" },
      );
    const to = path.join(scratch, ...tarball.split("/"));
    await mkdir(path.dirname(to), { recursive: true });
    await copyFile(from, to);
  }
  return undefined;
}

/** Kills a child started `detached` and every process of its group; the child alone when the group is gone. */
function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
  } catch {
    child.kill("SIGKILL");
  }
}

/**
 * Runs `npm ci --ignore-scripts` in `scratch` as a child process with a clean environment, its HOME,
 * cache and npm configs in the scratch folder (none of the host's: no registry token), killed at
 * `timeoutMs`. `offline` when every package is a tarball of the hook's: no network at all.
 * Resolves with the diagnostic of a failure, or undefined.
 */
function runNpmCi(
  scratch: string,
  settings: DependencySettings,
  offline: boolean,
): Promise<DiagnosticRecord | undefined> {
  const home = path.join(scratch, ".home");
  const npmrc = path.join(home, ".npmrc");
  const args = [
    settings.npmCli,
    "ci",
    "--ignore-scripts",
    "--no-audit",
    "--no-fund",
    "--no-bin-links",
    "--no-update-notifier",
    "--no-progress",
    "--loglevel=error",
    `--registry=${settings.registryUrl}`,
    `--cache=${path.join(scratch, ".cache")}`,
    `--userconfig=${npmrc}`,
    `--globalconfig=${path.join(home, "global-npmrc")}`,
    // Behind checkLockfile's refusal: npm itself fetches no git repository, URL or folder.
    "--allow-git=none",
    "--allow-remote=none",
    "--allow-directory=none",
    ...(offline ? ["--offline"] : []),
  ];
  const at = { path: "package-lock.json" };
  if (!existsSync(settings.npmCli)) {
    const message = `the registry cannot install the hook's dependencies: npm is not at ${settings.npmCli}; the registry's operator installs npm beside node or sets dependencies.npmCli`;
    return Promise.resolve(diag("build", "dependency_install_failed", message, "error", at));
  }
  return new Promise((resolve) => {
    // In a process group of its own, so the time limit stops what npm started (git, say) with it.
    const child = spawn(process.execPath, args, {
      cwd: scratch,
      env: { HOME: home, PATH: path.dirname(process.execPath) },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    const keep = (text: string) => {
      output = (output + text).slice(-NPM_OUTPUT_TAIL);
    };
    child.stdout.setEncoding("utf8").on("data", keep);
    child.stderr.setEncoding("utf8").on("data", keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, settings.timeoutMs);
    child.on("error", (cause) => {
      clearTimeout(timer);
      const message = `npm could not be started (${cause.message}): the registry's host needs npm beside node`;
      resolve(diag("build", "dependency_install_failed", message, "error", at));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      // What npm started and left running (a git it did not wait for) ends with it.
      killGroup(child);
      if (timedOut)
        return resolve(
          diag(
            "build",
            "dependency_install_timeout",
            `npm ci ran past its limit of ${settings.timeoutMs} ms and was stopped: depend on fewer packages`,
            "error",
            at,
          ),
        );
      if (code === 0) return resolve(undefined);
      // The scratch folder's path means nothing to the author: npm's words, with the hook's folder as ".".
      const said = output.split(scratch).join(".").trim();
      resolve(
        diag(
          "build",
          "dependency_install_failed",
          `npm ci failed (exit ${code}): ${said}\nCheck that package-lock.json matches package.json (run \`npm install\` in the hook's folder) and that every package exists on ${settings.registryUrl}`,
          "error",
          at,
        ),
      );
    });
  });
}
