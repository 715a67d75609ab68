import type { Command } from "commander";
import type { RegistryFlags } from "../registry/registry-settings.js";
import { reviewVersion } from "../registry/review-version.js";
import { type CommandContext, examples } from "./command-context.js";
import { executeRegistryCommand, registryOptions } from "./registry-command.js";

interface ReviewFlags extends RegistryFlags {
  env: string;
  comment?: string;
  json?: boolean;
}

/** `ameide-ext approve` and `ameide-ext reject`: thin wrappers over {@link reviewVersion}. */
export function registerReviewCommands(program: Command, ctx: CommandContext): void {
  for (const decision of ["approve", "reject"] as const) {
    registryOptions(
      program
        .command(decision)
        .summary(
          decision === "approve"
            ? "approve a version's pending promotion"
            : "reject a version's pending promotion",
        )
        .description(
          decision === "approve"
            ? "Approve the promotion of <version> to --env. Humans only, never the version's author; high risk needs two\ndistinct approvals for prod. The last approval needed promotes it."
            : "Reject the promotion of <version> to --env, saying why (--comment is required). A version never promoted\nanywhere ends rejected.",
        )
        .argument("<extension>", "the extension id")
        .argument("<version>", "the version")
        .requiredOption("--env <env>", "the environment of the pending promotion: dev, staging or prod")
        .option("--comment <text>", decision === "approve" ? "the reviewer's comment" : "why (required)"),
    )
      .addHelpText(
        "after",
        examples([
          `$ npx ameide-ext ${decision} deal-guard 3 --env staging --comment 'checked the fixtures'`,
        ]),
      )
      .action((extension: string, version: string, flags: ReviewFlags) =>
        executeRegistryCommand(ctx, flags.json, async () => {
          const r = await reviewVersion({ ...flags, decision, extension, version }, ctx.deps);
          const line =
            decision === "reject"
              ? `${extension} v${version}: rejected for ${r.env} (${r.state})`
              : r.promoted
                ? `${extension} v${version}: approved and promoted to ${r.env} (${r.state})`
                : `${extension} v${version}: approved for ${r.env}; ${r.approvalsMissing} more distinct approval(s) needed`;
          return { doc: { ...r }, lines: r.next ? [line, `next: ${r.next}`] : [line] };
        }),
      );
  }
}
