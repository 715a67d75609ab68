import { createRequire } from "node:module";
import { ExtensionError } from "@ameide-ext/contract";
import { Command, CommanderError } from "commander";
import { registerBindCommand } from "./commands/bind.js";
import { registerBindingsCommand } from "./commands/bindings.js";
import { registerBuildCommand } from "./commands/build.js";
import type { CommandContext } from "./commands/command-context.js";
import { registerDevCommand } from "./commands/dev.js";
import { registerInvokeCommand } from "./commands/invoke.js";
import { registerKillSwitchCommands } from "./commands/kill-switch.js";
import { registerMcpCommand } from "./commands/mcp.js";
import { registerNewCommand } from "./commands/new.js";
import { registerPromoteCommand } from "./commands/promote.js";
import { registerReplayCommand } from "./commands/replay.js";
import { registerReviewCommands } from "./commands/review.js";
import { registerRollbackCommand } from "./commands/rollback.js";
import { registerRunCommand } from "./commands/run.js";
import { registerSchemaCommand } from "./commands/schema.js";
import { registerStatusCommand } from "./commands/status.js";
import { registerTestCommand } from "./commands/test.js";
import type { CliDeps } from "./deps.js";
import { EXIT_CODES, type ExitCode } from "./exit-code.js";
import { toErrorDocument } from "./report/json-documents.js";

/** The CLI's version, from its package.json. */
export const CLI_VERSION: string = (createRequire(import.meta.url)("../package.json") as { version: string })
  .version;

/**
 * The `ameide-ext` program: every command registered, output routed to
 * `ctx.deps`, commander's own exits turned into exceptions. This is the one
 * place the commands are registered.
 */
export function createProgram(ctx: CommandContext): Command {
  const { deps } = ctx;
  const program = new Command("ameide-ext")
    .description(
      "Write, build, test and run sandboxed WebAssembly hooks (spec 479 Tier 1), offline, with the limits they meet in production.",
    )
    .version(CLI_VERSION, "-V, --version")
    // The program's own flags (--version) only before the command: `bind … --version 3` is bind's.
    .enablePositionalOptions()
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => deps.stdout.write(s),
      writeErr: (s) => deps.stderr.write(s),
    })
    .addHelpText(
      "after",
      "\nExit codes: 0 ok; 1 the work failed (a failing test, a compile error, an invocation error,\n" +
        "a promote stopped at a gate, a replay mismatch); 2 usage or invalid input (bad flags, bad manifest, bad fixture\n" +
        "file, non-empty folder); 3 refused by a rule of the registry (error.details.rule, .fix).\n" +
        "Every command takes --json: exactly one JSON document on stdout. Docs: docs/cli.md\n" +
        "\nExamples:\n" +
        "  $ npx ameide-ext new deal-guard --kind process_hook --dir hooks/deal-guard\n" +
        "  $ npx ameide-ext build hooks/deal-guard\n" +
        "  $ npx ameide-ext test hooks/deal-guard\n" +
        "  $ npx ameide-ext run hooks/deal-guard --fixture hooks/deal-guard/tests/small-deal.json\n" +
        "  $ npx ameide-ext dev            # the registry and a runtime, locally\n" +
        "  $ npx ameide-ext promote hooks/deal-guard --env dev\n" +
        "  $ npx ameide-ext invoke deal-guard --input deal.json   # through the dev stack's runtime\n" +
        "  $ npx ameide-ext replay --from runtime --extension deal-guard --against hooks/deal-guard\n" +
        "  $ npx ameide-ext bind orders/BeforeCreateOrder order-guard --env dev\n" +
        "  $ npx ameide-ext mcp --root . --agent agent:deal-coach   # the same, as MCP tools (docs/agents.md)\n",
    );
  registerNewCommand(program, ctx);
  registerBuildCommand(program, ctx);
  registerTestCommand(program, ctx);
  registerRunCommand(program, ctx);
  registerSchemaCommand(program, ctx);
  // Transformation: the registry's lifecycle (docs/registry.md).
  registerPromoteCommand(program, ctx);
  registerStatusCommand(program, ctx);
  registerReviewCommands(program, ctx);
  registerRollbackCommand(program, ctx);
  registerKillSwitchCommands(program, ctx);
  registerBindCommand(program, ctx);
  registerBindingsCommand(program, ctx);
  registerDevCommand(program, ctx);
  registerInvokeCommand(program, ctx);
  registerReplayCommand(program, ctx);
  // Agents: the same functions as MCP tools (docs/agents.md).
  registerMcpCommand(program, ctx, CLI_VERSION);
  return program;
}

/**
 * Runs `ameide-ext` with `argv` (the arguments after the program name) and
 * returns the exit code; never exits the process.
 */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<ExitCode> {
  let exit: ExitCode = EXIT_CODES.ok;
  const program = createProgram({
    deps,
    setExit: (code) => {
      exit = code;
    },
  });
  try {
    await program.parseAsync(withoutHelpForUnknown(program, argv), { from: "user" });
  } catch (cause) {
    if (!(cause instanceof CommanderError)) throw cause;
    if (cause.exitCode === 0) return EXIT_CODES.ok;
    // Commander has printed the usage error on stderr; an agent asking for JSON still gets one document.
    if (argv.includes("--json")) {
      const error = new ExtensionError("invalid_argument", cause.message.replace(/^error: /, ""));
      deps.stdout.write(`${JSON.stringify(toErrorDocument(error))}\n`);
    }
    return EXIT_CODES.usage;
  }
  return exit;
}

/**
 * `argv` without its help flags when it names no command we have: commander would print the top-level help
 * and exit 0 for `ameide-ext frobnicate --help`; without them it refuses the unknown command (exit 2) and
 * suggests the closest one.
 */
function withoutHelpForUnknown(program: Command, argv: readonly string[]): string[] {
  const name = argv.find((arg) => !arg.startsWith("-"));
  const known = program.commands.some((c) => c.name() === name || c.aliases().includes(name as string));
  if (name === undefined || name === "help" || known) return [...argv];
  return argv.filter((arg) => arg !== "--help" && arg !== "-h");
}
