import type { Command } from "commander";
import { switchExtension } from "../registry/kill-switch.js";
import type { RegistryFlags } from "../registry/registry-settings.js";
import { type CommandContext, examples } from "./command-context.js";
import { executeRegistryCommand, registryOptions } from "./registry-command.js";

interface KillSwitchFlags extends RegistryFlags {
  env: string;
  version?: string;
  reason: string;
  json?: boolean;
}

/** `ameide-ext disable|enable <extension> --env <env> [--version <v>] --reason <text>`: thin wrappers over {@link switchExtension}. */
export function registerKillSwitchCommands(program: Command, ctx: CommandContext): void {
  for (const to of ["disable", "enable"] as const) {
    const off = to === "disable";
    registryOptions(
      program
        .command(to)
        .summary(
          off
            ? "kill switch: stop an extension (or one version) in one environment"
            : "release a kill switch thrown by disable",
        )
        .argument("<extension>", "the extension id")
        .requiredOption("--env <env>", "the environment: dev, staging or prod")
        .option(
          "--version <version>",
          off
            ? "the version to switch off (default: every version of the extension in that environment)"
            : "the version, as it was disabled (default: the switch of the whole extension)",
        )
        .requiredOption("--reason <text>", "why, for the audit log (e.g. the incident)"),
    )
      .addHelpText(
        "after",
        examples([
          off
            ? "$ npx ameide-ext disable deal-guard --env prod --version 3 --reason 'INC-7: misroutes deals'"
            : "$ npx ameide-ext enable deal-guard --env prod --version 3 --reason 'INC-7 fixed by v4'",
        ]),
      )
      .action((extension: string, flags: KillSwitchFlags) =>
        executeRegistryCommand(ctx, flags.json, async () => {
          const r = await switchExtension(to, { ...flags, extension }, ctx.deps);
          const which = r.version === "" ? "every version" : `v${r.version}`;
          return {
            doc: { ...r },
            lines: [`${extension}: ${which} ${off ? "switched off" : "switched on"} in ${r.env}`],
          };
        }),
      );
  }
}
