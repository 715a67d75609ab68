import type { Command } from "commander";
import type { RegistryFlags } from "../registry/registry-settings.js";
import { registryStatus } from "../registry/registry-status.js";
import { type CommandContext, examples } from "./command-context.js";
import { executeRegistryCommand, registryOptions } from "./registry-command.js";

interface StatusFlags extends RegistryFlags {
  extension?: string;
  json?: boolean;
}

/** `ameide-ext status [dir]`: a thin wrapper over {@link registryStatus}. */
export function registerStatusCommand(program: Command, ctx: CommandContext): void {
  registryOptions(
    program
      .command("status")
      .summary("show a hook's versions, their states, and what each environment runs")
      .argument("[dir]", "the hook's folder (its extension.json names the extension)", ".")
      .option("--extension <id>", "the extension id, instead of a folder"),
  )
    .addHelpText(
      "after",
      examples([
        "$ npx ameide-ext status hooks/deal-guard",
        "$ npx ameide-ext status --extension deal-guard --json",
      ]),
    )
    .action((dir: string, flags: StatusFlags) =>
      executeRegistryCommand(ctx, flags.json, async () => {
        const r = await registryStatus({ ...flags, dir }, ctx.deps);
        const lines = [
          `${r.extension} (tenant ${r.tenant}), newest v${r.latestVersion}`,
          ...(["dev", "staging", "prod"] as const).map(
            (e) => `  ${e.padEnd(8)} ${r.deployments[e] ? `v${r.deployments[e]}` : "-"}`,
          ),
          ...r.pins.map((p) => `  pin ${p.env} ${p.consumerRef} -> v${p.version}`),
          ...r.versions.flatMap((v) => [
            `  v${v.version.padEnd(4)} ${v.state.padEnd(17)} compile ${v.compile || "-"}  by ${v.createdBy}${v.pending ? `  waits for ${v.pending.approvalsRequired} approval(s) to ${v.pending.env}${v.pending.mayApprove.eligible.length ? ` (may approve: ${v.pending.mayApprove.eligible.join(", ")})` : ""}` : ""}`,
            ...v.replayReports.map(
              (x) => `        replay for ${x.env}: ${x.summary} (attached by ${x.attachedBy})`,
            ),
          ]),
        ];
        return { doc: { ...r }, lines };
      }),
    );
}
