import type { Command } from "commander";
import { terminalSafeJson } from "../report/terminal-text.js";
import { invokeExtension } from "../runtime/invoke-extension.js";
import { type CommandContext, examples } from "./command-context.js";
import { executeRegistryCommand } from "./registry-command.js";

interface InvokeFlags {
  input: string;
  version?: string;
  env?: string;
  tenant?: string;
  runtime?: string;
  runtimeToken?: string;
  config?: string;
  json?: boolean;
}

/** `ameide-ext invoke <extension> --input <file|->`: a thin wrapper over {@link invokeExtension}. */
export function registerInvokeCommand(program: Command, ctx: CommandContext): void {
  program
    .command("invoke")
    .summary("invoke a deployed extension once through the runtime service (what `dev` runs)")
    .description(
      "Call InvokeExtension on the runtime, as a Process, Domain or Agent primitive does: the input file is\n" +
        "checked to be JSON and sent as inputJson (bytes, base64 in JSON), and the answer decoded. Prints the\n" +
        "output (stdout) with the logs and the stats (stderr); exit 1 for a business or technical error.\n" +
        "The runtime's URL and caller token come from the flags, $AMEIDE_RUNTIME_URL/$AMEIDE_RUNTIME_TOKEN, or\n" +
        "the config file `dev` writes (.ameide-dev/config.json, found from the cwd upward).\n" +
        "The request and the response as JSON: `ameide-ext schema invoke-request`, `schema invoke-response`.",
    )
    .argument("<extension>", "the extension's id")
    .requiredOption("--input <file|->", "the input document: a JSON file, or - for stdin")
    .option("--version <version>", "an exact version, or latest: the newest promoted to --env", "latest")
    .option("--env <env>", "the environment the invocation acts in (ctx.env)", "dev")
    .option(
      "--tenant <tenant>",
      "the tenant (default $AMEIDE_TENANT, else the config file's tenant, else local)",
    )
    .option(
      "--runtime <url>",
      "the runtime's URL (default $AMEIDE_RUNTIME_URL, else the config file's runtime_url)",
    )
    .option(
      "--runtime-token <token>",
      "the runtime caller token (default $AMEIDE_RUNTIME_TOKEN, else the file the config's runtime_token_file names)",
    )
    .option(
      "--config <file>",
      "the CLI config file (default $AMEIDE_CONFIG, else the nearest .ameide-dev/config.json at or above the cwd, else ~/.ameide-ext/config.json)",
    )
    .option("--json", "print one JSON document on stdout")
    .addHelpText(
      "after",
      examples([
        "$ npx ameide-ext invoke deal-guard --input deal.json",
        `$ echo '{"amount": 72000}' | npx ameide-ext invoke deal-guard --input - --version 3 --json`,
      ]),
    )
    .action((extension: string, flags: InvokeFlags) =>
      executeRegistryCommand(ctx, flags.json, async (progress) => {
        const result = await invokeExtension({ extension, ...flags }, ctx.deps);
        for (const log of result.logs) progress(`log ${log.level}: ${log.message}`);
        const s = result.stats;
        progress(
          `${result.extensionId}@${result.resolvedVersion || "?"} ${result.outcome}: fuel ${s.fuelUsed}/${s.fuelLimit}, memory ${s.peakMemoryBytes}/${s.memoryLimitBytes} B, output ${s.outputBytes} B, ${(s.durationUs / 1000).toFixed(2)} ms, ${s.hostCalls} host calls`,
        );
        if (result.error)
          progress(
            `${result.outcome === "business_error" ? "business error" : "error"} ${result.error.code}${result.error.reason ? `/${result.error.reason}` : ""}: ${result.error.message}`,
          );
        // JSON still: its control characters as JSON escapes (the lines' own escaping finds none left).
        const lines = result.ok ? [terminalSafeJson(JSON.stringify(result.output, null, 2))] : [];
        return { doc: { ...result }, lines };
      }),
    );
}
