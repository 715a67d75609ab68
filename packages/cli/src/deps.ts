import { userInfo } from "node:os";
import { createNodeToolkitDeps, type ToolkitDeps } from "@ameide-ext/toolkit";
import type { CliLaunch } from "./report/cli-invocation.js";

/** Where a command writes: stdout (data) or stderr (diagnostics). */
export interface OutputStream {
  /** Writes text as is (no newline added). */
  write(text: string): void;
  /** True when the stream is a terminal. */
  readonly isTTY: boolean;
  /** Columns of the terminal; undefined when not a terminal. */
  readonly columns: number | undefined;
  /** The Node stream behind it, for the interactive (ink) view; undefined in tests. */
  readonly stream?: NodeJS.WriteStream | undefined;
}

/**
 * Every side effect of the CLI: streams, files, environment, clock. The
 * commands and the API functions take these, so tests and agents can run
 * them in-process with fakes. The toolkit's functions take the part they
 * need ({@link ToolkitDeps}: files, cwd, clock, stdin).
 */
export interface CliDeps extends ToolkitDeps {
  /** Data: JSON documents, outputs, results. */
  stdout: OutputStream;
  /** Diagnostics: progress, warnings, errors. */
  stderr: OutputStream;
  /** Environment variables (AMEIDE_ACTOR, NO_COLOR…). */
  env: Readonly<Record<string, string | undefined>>;
  /** The operating-system user name, for `created_by` (`user:<name>`). */
  username(): string;
  /**
   * How this process was started, so next steps print a command that works where the user is
   * (see `cliInvocation`). Default none: next steps say `ameide-ext` unless `npx ameide-ext` works.
   */
  launch?: CliLaunch | undefined;
}

function streamOf(stream: NodeJS.WriteStream): OutputStream {
  return {
    write: (text) => {
      stream.write(text);
    },
    get isTTY() {
      return stream.isTTY === true;
    },
    get columns() {
      return stream.isTTY ? stream.columns : undefined;
    },
    stream,
  };
}

/** The real side effects: process streams, node:fs, process.env, performance.now. */
export function createNodeDeps(): CliDeps {
  return {
    ...createNodeToolkitDeps(),
    stdout: streamOf(process.stdout),
    stderr: streamOf(process.stderr),
    env: process.env,
    launch: { script: process.argv[1] ?? "", execArgv: process.execArgv },
    username: () => {
      try {
        return userInfo().username;
      } catch {
        return process.env.USER ?? process.env.USERNAME ?? "unknown";
      }
    },
  };
}
