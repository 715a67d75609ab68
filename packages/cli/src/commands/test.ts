import { testHook } from "@ameide-ext/toolkit";
import type { Command } from "commander";
import { type CommandContext, examples, executeCommand } from "./command-context.js";

interface TestFlags {
  filter?: string;
  update?: boolean;
  json?: boolean;
}

/** `ameide-ext test [dir]`: a thin wrapper over {@link testHook}. */
export function registerTestCommand(program: Command, ctx: CommandContext): void {
  program
    .command("test")
    .summary("run a hook's tests/*.json fixtures with production limits")
    .description(
      "Build the hook if dist/ is missing or stale, then run every tests/*.json fixture in the runtime engine\n" +
        "with the manifest's limits, risk tier and host-call allowlist. Reports, per case, pass or fail, fuel\n" +
        "used of the budget, peak memory of the cap, output bytes of the limit and the duration; warns at 80%\n" +
        "of a limit and fails at 100%. The last line is `N passed, N failed`.",
    )
    .argument("[dir]", "the hook's folder", ".")
    .option("--filter <text>", "run only cases whose name or file name contains <text>")
    .option("--update", "write each case's actual output into its fixture as expected (review the diff)")
    .option("--json", "print one JSON document on stdout")
    .addHelpText(
      "after",
      examples([
        "$ npx ameide-ext test hooks/deal-guard",
        "$ npx ameide-ext test hooks/deal-guard --filter margin",
        "$ npx ameide-ext test hooks/deal-guard --update && git diff hooks/deal-guard/tests",
        "$ npx ameide-ext test --json | jq '.cases[] | select(.ok | not)'",
      ]),
    )
    .action((dir: string, flags: TestFlags) =>
      executeCommand(ctx, "test", flags.json, async (onEvent) => {
        const options: Parameters<typeof testHook>[0] = { dir, update: flags.update === true, onEvent };
        if (flags.filter !== undefined) options.filter = flags.filter;
        return { command: "test", result: await testHook(options, ctx.deps) };
      }),
    );
}
