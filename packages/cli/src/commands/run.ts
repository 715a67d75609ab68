import { readRunInputs, runHook } from "@ameide-ext/toolkit";
import type { Command } from "commander";
import { type CommandContext, examples, executeCommand } from "./command-context.js";

interface RunFlags {
  input?: string;
  fixture?: string;
  ctx?: string;
  hostCalls?: string;
  riskTier?: string;
  json?: boolean;
}

/** `ameide-ext run [dir] --input <file|->`: a thin wrapper over {@link runHook}. */
export function registerRunCommand(program: Command, ctx: CommandContext): void {
  program
    .command("run")
    .summary("invoke a hook once and print its output and stats")
    .description(
      "Build the hook if dist/ is missing or stale, invoke it once in the runtime engine with the manifest's\n" +
        "limits and host-call policy, and print the output (stdout) with the logs and the stats (stderr):\n" +
        "fuel used of the budget, peak memory of the cap, output bytes of the limit, duration, host calls.",
    )
    .argument("[dir]", "the hook's folder", ".")
    .option("--input <file|->", "the input document: a JSON file, or - for stdin")
    .option("--fixture <file>", "a test case: its input, ctx and hostCalls (instead of --input)")
    .option("--ctx <file>", "the ExecutionContext, a JSON file (default: {tenantId: local, env: dev})")
    .option("--host-calls <file>", "answers to host calls, a JSON array as in a fixture's hostCalls")
    .option("--risk-tier <tier>", "low | medium | high (default: the manifest's)")
    .option("--json", "print one JSON document on stdout")
    .addHelpText(
      "after",
      examples([
        "$ npx ameide-ext run hooks/deal-guard --input deal.json",
        `$ echo '{"amount": 72000, "marginPct": 8.5}' | npx ameide-ext run hooks/deal-guard --input -`,
        "$ npx ameide-ext run hooks/opportunity-risk --fixture hooks/opportunity-risk/tests/high-risk.json --json",
        "$ npx ameide-ext run hooks/opportunity-risk --input opp.json --host-calls answers.json --risk-tier low",
      ]),
    )
    .action((dir: string, flags: RunFlags) =>
      executeCommand(ctx, "run", flags.json, async (onEvent) => {
        const inputs = await readRunInputs(flags, ctx.deps);
        const options: Parameters<typeof runHook>[0] = { dir, ...inputs, onEvent };
        if (flags.riskTier !== undefined) options.riskTier = flags.riskTier;
        return { command: "run", result: await runHook(options, ctx.deps) };
      }),
    );
}
