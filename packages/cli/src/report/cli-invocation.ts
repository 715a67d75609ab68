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
 * when that is not known). Unlike {@link cliInvocation} it looks at no file of the working folder: the command
 * a person runs with their own token (the `approve` a promotion gate names) must not be one that folder can
 * plant. A `node_modules/.bin/ameide-ext` in an agent's workspace, where the MCP server works, would have
 * `npx ameide-ext approve …` run the agent's script as the reviewer.
 */
export function launchInvocation(
  launch: CliLaunch | undefined,
  scriptPath: (script: string) => string = realScriptPath,
): string {
  if (launch === undefined || launch.script === "") return CLI_BIN;
  return ["node", ...launch.execArgv, scriptPath(launch.script)].map(shellWord).join(" ");
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
