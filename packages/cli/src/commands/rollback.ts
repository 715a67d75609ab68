import type { Command } from "commander";
import type { RegistryFlags } from "../registry/registry-settings.js";
import { rollbackExtension } from "../registry/rollback-extension.js";
import { type CommandContext, examples } from "./command-context.js";
import { executeRegistryCommand, registryOptions } from "./registry-command.js";

interface RollbackFlags extends RegistryFlags {
  env: string;
  to?: string;
  comment?: string;
  json?: boolean;
}

/** `ameide-ext rollback <extension> --env <env> [--to <version>]`: a thin wrapper over {@link rollbackExtension}. */
export function registerRollbackCommand(program: Command, ctx: CommandContext): void {
  registryOptions(
    program
      .command("rollback")
      .summary("make an earlier version active again in one environment")
      .argument("<extension>", "the extension id")
      .requiredOption("--env <env>", "the environment: dev, staging or prod")
      .option(
        "--to <version>",
        "the version to make active (default: the newest older version that ran in that environment; never a newer one)",
      )
      .option("--comment <text>", "why, for the audit log"),
  )
    .addHelpText(
      "after",
      examples(["$ npx ameide-ext rollback deal-guard --env prod --to 2 --comment 'INC-7: misroutes deals'"]),
    )
    .action((extension: string, flags: RollbackFlags) =>
      executeRegistryCommand(ctx, flags.json, async () => {
        const r = await rollbackExtension({ ...flags, extension }, ctx.deps);
        return { doc: { ...r }, lines: [`${extension}: ${r.env} runs v${r.to} (was v${r.from})`] };
      }),
    );
}
