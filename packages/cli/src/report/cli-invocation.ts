import { existsSync, realpathSync } from "node:fs";
import path from "node:path";

/** How this CLI process was started: what `node` ran, with which flags. */
export interface CliLaunch {
  /** The script node ran (`process.argv[1]`): the bin, `dist/main.js`, or `src/main.ts` from the sources. */
  script: string;
  /** Node's own flags (`process.execArgv`), e.g. the source loader's `--import`. */
  execArgv: readonly string[];
}

/** The name the CLI is installed under (package.json `bin`). */
export const CLI_BIN = "ameide-ext";

/**
 * The command that runs `ameide-ext` where the user is (`cwd`), for the next steps a command prints
 * (issue #14: `new` said `npx ameide-ext test …`, which outside the monorepo asks the npm registry
 * for a package that is not there, a 404):
 * - `npx ameide-ext` when a `node_modules/.bin/ameide-ext` is in `cwd` or a folder above it (what
 *   `npx` looks up before the registry: the monorepo, or a project that installed the CLI);
 * - `ameide-ext` when it is on `PATH` (`npm i -g ./ameide-ext-cli-*.tgz`, `npm link`);
 * - else how this process was started, `node [flags] <script>`, by absolute path, so the line works
 *   from anywhere (or `ameide-ext` when that is not known).
 * `exists` is the file-system check (a test passes its own).
 */
export function cliInvocation(
  where: { cwd: string; env: Readonly<Record<string, string | undefined>>; launch?: CliLaunch | undefined },
  exists: (file: string) => boolean = existsSync,
): string {
  for (let dir = path.resolve(where.cwd); ; dir = path.dirname(dir)) {
    if (exists(path.join(dir, "node_modules", ".bin", CLI_BIN))) return `npx ${CLI_BIN}`;
    if (path.dirname(dir) === dir) break;
  }
  const pathDirs = (where.env.PATH ?? "").split(path.delimiter).filter((d) => d !== "");
  if (pathDirs.some((d) => exists(path.join(d, CLI_BIN)))) return CLI_BIN;
  return launchInvocation(where.launch, (script) => path.resolve(script));
}

/**
 * How this process was started, `node [flags] <script>`, the script by its real absolute path (`ameide-ext`
 * when that is not known). Unlike {@link cliInvocation} it looks at no file of the working folder.
 */
export function launchInvocation(
  launch: CliLaunch | undefined,
  scriptPath: (script: string) => string = realScriptPath,
): string {
  if (launch === undefined || launch.script === "") return CLI_BIN;
  return ["node", ...launch.execArgv, scriptPath(launch.script)].map(shellWord).join(" ");
}

/** The command a promotion gate hands a person, to approve with their own token. */
export interface ApproveInvocation {
  /** `ameide-ext`, or `node [flags] <this CLI's script, by real path>`. */
  command: string;
  /**
   * True when `command` is the plain `ameide-ext` because this CLI's own script lies inside the agent's
   * folder: the person must run it from their own install, not from that folder (its node_modules/.bin
   * is the agent's too).
   */
  ownInstall: boolean;
}

/**
 * The command that runs `ameide-ext` for the person a promotion gate names, who runs it with their own
 * token (`approve`). It must never run code an agent can write:
 * - the plain `ameide-ext` when this CLI's real script lies inside `agentRoot` (the MCP server's workspace
 *   root, which the agent writes: a server started from the workspace's own node_modules), with
 *   `ownInstall` set; never `npx ameide-ext`, which the workspace's node_modules/.bin answers first;
 * - the plain `ameide-ext` when it is on `PATH` (an absolute folder of it outside `agentRoot`), so a
 *   reviewer on another machine can run it too;
 * - else how this process was started ({@link launchInvocation}).
 * It looks at no file of the working folder, which may be the agent's workspace. `exists` and `scriptPath`
 * are the file-system checks (a test passes its own).
 */
export function approveInvocation(
  where: {
    env: Readonly<Record<string, string | undefined>>;
    launch?: CliLaunch | undefined;
    agentRoot?: string | undefined;
  },
  exists: (file: string) => boolean = existsSync,
  scriptPath: (script: string) => string = realScriptPath,
): ApproveInvocation {
  const { launch, agentRoot } = where;
  const roots = agentRoot === undefined ? [] : [path.resolve(agentRoot), realScriptPath(agentRoot)];
  const inRoot = (file: string) => roots.some((root) => isUnder(root, file));
  if (launch !== undefined && launch.script !== "" && inRoot(scriptPath(launch.script)))
    return { command: CLI_BIN, ownInstall: true };
  const pathDirs = (where.env.PATH ?? "")
    .split(path.delimiter)
    .filter((d) => path.isAbsolute(d) && !inRoot(d));
  if (pathDirs.some((d) => exists(path.join(d, CLI_BIN)))) return { command: CLI_BIN, ownInstall: false };
  return { command: launchInvocation(launch, scriptPath), ownInstall: false };
}

/** Whether `file` is `dir` or lies under it (both absolute). */
function isUnder(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** `script` by its real absolute path (a bin link resolved), or absolute as it is when it cannot be. */
function realScriptPath(script: string): string {
  try {
    return realpathSync(script);
  } catch {
    return path.resolve(script);
  }
}

/** `word` as one shell word: as is when it is plain, else in single quotes. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
