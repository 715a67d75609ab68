import { buildHook } from "@ameide-ext/toolkit";
import type { Command } from "commander";
import { type CommandContext, examples, executeCommand } from "./command-context.js";

interface BuildFlags {
  optimize: boolean;
  json?: boolean;
}

/** `ameide-ext build [dir]`: a thin wrapper over {@link buildHook}. */
export function registerBuildCommand(program: Command, ctx: CommandContext): void {
  program
    .command("build")
    .summary("compile a hook to dist/<id>.wasm and validate it")
    .description(
      "Check extension.json, compile src/index.ts to a component in the manifest's\n" +
        "lang, load it into the runtime engine with the manifest's limits (the\n" +
        "contract check), and write dist/<id>.wasm. Prints its size against the\n" +
        "module-size limit and its sha256. A compile error prints file:line:column\n" +
        "and exits 1. AssemblyScript compiles with asc; TypeScript is type-checked\n" +
        "(strict), bundled with its pure-JS dependencies, and run by QuickJS.",
    )
    .argument("[dir]", "the hook's folder", ".")
    .option(
      "--no-optimize",
      "AssemblyScript: skip asc -O3 (faster build, slower hook); no effect on TypeScript",
    )
    .option("--json", "print one JSON document on stdout")
    .addHelpText(
      "after",
      examples([
        "$ npx ameide-ext build hooks/deal-guard",
        "$ npx ameide-ext build --json            # in the hook's folder",
      ]),
    )
    .action((dir: string, flags: BuildFlags) =>
      executeCommand(ctx, "build", flags.json, async (onEvent) => ({
        command: "build",
        result: await buildHook({ dir, optimize: flags.optimize, onEvent }, ctx.deps),
      })),
    );
}
