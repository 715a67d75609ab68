import { ExtensionError } from "@ameide-ext/contract";
import type { Command } from "commander";
import type { OutputStream } from "../deps.js";
import { EXIT_CODES, exitCodeFor } from "../exit-code.js";
import { describeFailure, errorHeading } from "../report/format.js";
import { toErrorDocument } from "../report/json-documents.js";
import { terminalSafe } from "../report/terminal-text.js";
import type { CommandContext } from "./command-context.js";

/** What a registry command's work returns: its `--json` document and its lines for people. */
export interface RegistryOutcome {
  /** The `--json` document; its `ok` decides the exit code (0 or 1). */
  doc: { ok: boolean } & Record<string, unknown>;
  /** The result for people, one line each, on stdout. */
  lines: string[];
  /** True when the command printed its result itself (`dev` prints it before it blocks). */
  printed?: boolean;
}

/**
 * Runs a registry command (promote, status, approve, reject, rollback, invoke,
 * replay): with `--json`, exactly one JSON document on stdout (the result, or
 * the error document); otherwise progress on stderr and the result on stdout,
 * each line {@link terminalSafe} (what they print comes from the registry or
 * the runtime: a control character in it is shown, not acted on). The exit
 * code is 0 for an ok result, 1 for a result that is not ok (a failed remote
 * compile), else {@link exitCodeFor} of the error. A refusal's rule is in
 * `error.details.rule` and on the error line.
 */
export async function executeRegistryCommand(
  ctx: CommandContext,
  json: boolean | undefined,
  work: (progress: (line: string) => void) => Promise<RegistryOutcome>,
): Promise<void> {
  const { deps } = ctx;
  const say = (stream: OutputStream, line: string) => stream.write(`${terminalSafe(line)}\n`);
  const progress = json ? () => {} : (line: string) => say(deps.stderr, line);
  try {
    const outcome = await work(progress);
    if (outcome.printed) {
      // already on stdout
    } else if (json) deps.stdout.write(`${JSON.stringify(outcome.doc)}\n`);
    else for (const line of outcome.lines) say(deps.stdout, line);
    ctx.setExit(outcome.doc.ok ? EXIT_CODES.ok : EXIT_CODES.failed);
  } catch (cause) {
    const error = ExtensionError.from(cause);
    if (json) deps.stdout.write(`${JSON.stringify(toErrorDocument(error))}\n`);
    const rule = typeof error.details?.rule === "string" ? ` [rule: ${error.details.rule}]` : "";
    say(deps.stderr, `${errorHeading(error)}${rule}: ${await describeFailure(error, deps.cwd)}`);
    ctx.setExit(exitCodeFor(error));
  }
}

/** Adds the flags every registry command takes: where the registry is, and who calls. */
export function registryOptions(command: Command): Command {
  return command
    .option(
      "--registry <url>",
      "the registry's URL (default $AMEIDE_REGISTRY_URL, else the config file's registry_url)",
    )
    .option(
      "--token <token>",
      "bearer token naming you (default $AMEIDE_TOKEN, else the config file's token)",
    )
    .option(
      "--tenant <tenant>",
      "the tenant (default $AMEIDE_TENANT, else the config file's tenant, else local)",
    )
    .option(
      "--config <file>",
      "the CLI config file (default $AMEIDE_CONFIG, else the nearest .ameide-dev/config.json at or above the cwd, else ~/.ameide-ext/config.json)",
    )
    .option("--json", "print one JSON document on stdout");
}
