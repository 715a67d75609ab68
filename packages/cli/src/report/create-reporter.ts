import type { CliDeps } from "../deps.js";
import type { CommandName } from "./command-outcome.js";
import type { Reporter } from "./reporter.js";

/** json: one document on stdout; plain: lines; interactive: the live ink view. */
export type ReporterMode = "json" | "plain" | "interactive";

/** Narrowest terminal the live view lays out in; a narrower one (or one that reports no size) gets plain lines. */
const MIN_INTERACTIVE_COLUMNS = 40;

/**
 * `--json` wins; else the live view on a terminal unless NO_COLOR is set
 * (or TERM is dumb, or the terminal reports fewer than 40 columns, as a pty
 * without a size does); else plain lines.
 */
export function chooseReporterMode(json: boolean, deps: Pick<CliDeps, "stdout" | "env">): ReporterMode {
  if (json) return "json";
  const noColor = deps.env.NO_COLOR !== undefined && deps.env.NO_COLOR !== "";
  const wide = (deps.stdout.columns ?? 0) >= MIN_INTERACTIVE_COLUMNS;
  if (deps.stdout.isTTY && deps.stdout.stream !== undefined && wide && !noColor && deps.env.TERM !== "dumb") {
    return "interactive";
  }
  return "plain";
}

/** Creates the reporter of `mode` for `command`. The interactive one loads ink only when used. */
export async function createReporter(
  mode: ReporterMode,
  command: CommandName,
  deps: CliDeps,
): Promise<Reporter> {
  switch (mode) {
    case "json": {
      const { createJsonReporter } = await import("./json-reporter.js");
      return createJsonReporter(deps);
    }
    case "plain": {
      const { createPlainReporter } = await import("./plain-reporter.js");
      return createPlainReporter(command, deps);
    }
    case "interactive": {
      const { createInkReporter } = await import("./ink/ink-reporter.js");
      return createInkReporter(command, deps);
    }
  }
}
