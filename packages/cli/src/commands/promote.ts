import type { Command } from "commander";
import { promoteHook } from "../registry/promote-hook.js";
import type { RegistryFlags } from "../registry/registry-settings.js";
import type { CommandContext } from "./command-context.js";
import { examples } from "./command-context.js";
import { executeRegistryCommand, registryOptions } from "./registry-command.js";

interface PromoteFlags extends RegistryFlags {
  env: string;
  comment?: string;
  json?: boolean;
}

/** `ameide-ext promote [dir] --env <env>`: a thin wrapper over {@link promoteHook}. */
export function registerPromoteCommand(program: Command, ctx: CommandContext): void {
  registryOptions(
    program
      .command("promote")
      .summary("submit a hook to the registry and carry it toward an environment")
      .description(
        "Upload the hook's sources to the Transformation registry (a new version when they changed), wait for the\n" +
          "remote compile (build, contract, policy checks, fixtures), then request promotion dev -> staging -> prod\n" +
          "up to --env. Stops where a promotion waits for human approval, names the rule that gates it and who may\n" +
          'approve, and exits 1 (reason "gated"); run it again after the approval to continue where it stopped.\n' +
          "Exits 0 only when the version runs in --env; 3 when a rule of the registry refuses a step.",
      )
      .argument("[dir]", "the hook's folder", ".")
      .requiredOption("--env <env>", "where to take it: dev, staging or prod")
      .option("--comment <text>", "notes for the reviewers"),
  )
    .addHelpText(
      "after",
      examples([
        "$ npx ameide-ext promote hooks/deal-guard --env dev",
        "$ npx ameide-ext promote hooks/deal-guard --env prod --comment 'JIRA-42' --json",
      ]),
    )
    .action((dir: string, flags: PromoteFlags) =>
      executeRegistryCommand(ctx, flags.json, async (progress) => {
        const r = await promoteHook({ ...flags, dir, onProgress: progress }, ctx.deps);
        const runs = Object.entries(r.deployments).map(([e, v]) => `${e} v${v}`);
        const lines = [
          `${r.extension} v${r.version}: ${r.state}${runs.length ? `; running: ${runs.join(", ")}` : ""}`,
        ];
        if (r.reason === "compile_failed")
          for (const d of r.compile?.diagnostics.filter((x) => x.severity === "error") ?? [])
            lines.push(
              `  ${d.step} ${d.reason}: ${d.path ? `${d.path}:${d.line}:${d.column} ` : ""}${d.message}`,
            );
        if (r.reason === "compile_failed")
          for (const t of r.compile?.tests.filter((x) => !x.passed) ?? [])
            lines.push(`  FAIL ${t.name}: ${t.message}`);
        if (r.gate) lines.push(`waiting: ${r.gate.message} [rule: ${r.gate.rule}]`);
        return { doc: { ...r }, lines };
      }),
    );
}
