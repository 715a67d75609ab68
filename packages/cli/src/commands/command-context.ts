import { ExtensionError } from "@ameide-ext/contract";
import type { EventSink } from "@ameide-ext/toolkit";
import type { CliDeps } from "../deps.js";
import { EXIT_CODES, type ExitCode, exitCodeFor } from "../exit-code.js";
import type { CommandName, CommandOutcome } from "../report/command-outcome.js";
import { chooseReporterMode, createReporter } from "../report/create-reporter.js";

/** What every command gets from the program: the side effects, and where to put its exit code. */
export interface CommandContext {
  /** Side effects. */
  deps: CliDeps;
  /** Records the exit code of this run. */
  setExit(code: ExitCode): void;
}

/**
 * Runs one command's work with the reporter `--json` and the terminal call
 * for, and records its exit code: 0 when the result is ok, 1 when not (a
 * failing case, an invocation error), else the error's code (see
 * {@link exitCodeFor}).
 */
export async function executeCommand(
  ctx: CommandContext,
  command: CommandName,
  json: boolean | undefined,
  work: (onEvent: EventSink) => Promise<CommandOutcome>,
): Promise<void> {
  const reporter = await createReporter(chooseReporterMode(json === true, ctx.deps), command, ctx.deps);
  try {
    const outcome = await work(reporter.event);
    await reporter.done(outcome);
    ctx.setExit(outcome.result.ok ? EXIT_CODES.ok : EXIT_CODES.failed);
  } catch (cause) {
    const error = ExtensionError.from(cause);
    await reporter.fail(error);
    ctx.setExit(exitCodeFor(error));
  }
}

/** The help text after a command's options: `Examples:` and one example per line. */
export function examples(lines: readonly string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join("\n")}\n`;
}
