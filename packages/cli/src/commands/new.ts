import type { Command } from "commander";
import { newHook } from "../new/new-hook.js";
import { type CommandContext, examples, executeCommand } from "./command-context.js";

interface NewFlags {
  kind: string;
  lang: string;
  riskTier?: string;
  dir?: string;
  createdBy?: string;
  json?: boolean;
}

/** What --help says about each language. */
const LANGUAGES = [
  "",
  'Languages (the manifest records it as "lang"; build compiles accordingly):',
  "  assemblyscript  the default: run(input: string): string, with the PDK's JSON",
  "                  reader and builder; compiles to a small, fast module",
  "  typescript      run(input: Json) returns any JSON value; fail, log and",
  '                  host.call come from "@ameide-ext/pdk"; pure-JS npm packages',
  "                  are bundled; QuickJS runs it. tsconfig.json lets your editor",
  "                  check it the way build does (strict)",
].join("\n");

/** `ameide-ext new <name> --kind <kind>`: a thin wrapper over {@link newHook}. */
export function registerNewCommand(program: Command, ctx: CommandContext): void {
  program
    .command("new")
    .summary("scaffold a hook that builds and passes its tests at once")
    .description(
      "Scaffold a hook from templates/<lang>/<kind>/: extension.json (the manifest), src/index.ts, tests/*.json and a README.\n" +
        "It builds and passes its own tests at once, offline, with no npm install in its folder.\n" +
        "Never overwrites: the folder must not exist, or be empty.",
    )
    .argument("<name>", "the hook's id: lowercase kebab-case, 3 to 64 characters")
    .requiredOption("--kind <kind>", "process_hook | domain_hook | agent_tool")
    .option("--lang <lang>", "assemblyscript | typescript", "assemblyscript")
    .option("--risk-tier <tier>", "low | medium | high (default: the template's)")
    .option("--dir <path>", "the folder to create (default: ./<name>)")
    .option("--created-by <actor>", "metadata.created_by (default: $AMEIDE_ACTOR, else user:<os user>)")
    .option("--json", "print one JSON document on stdout")
    .addHelpText("after", LANGUAGES)
    .addHelpText(
      "after",
      examples([
        "$ npx ameide-ext new deal-guard --kind process_hook",
        "$ npx ameide-ext new order-check --kind domain_hook --dir hooks/order-check",
        "$ npx ameide-ext new deal-guard-ts --kind process_hook --lang typescript",
        "$ npx ameide-ext new opportunity-risk --kind agent_tool --risk-tier high --created-by agent:deal-coach --json",
      ]),
    )
    .action((name: string, flags: NewFlags) =>
      executeCommand(ctx, "new", flags.json, async (onEvent) => {
        const options: Parameters<typeof newHook>[0] = { name, kind: flags.kind, lang: flags.lang, onEvent };
        if (flags.riskTier !== undefined) options.riskTier = flags.riskTier;
        if (flags.dir !== undefined) options.dir = flags.dir;
        if (flags.createdBy !== undefined) options.createdBy = flags.createdBy;
        return { command: "new", result: await newHook(options, ctx.deps) };
      }),
    );
}
