import path from "node:path";
import { ExtensionError } from "@ameide-ext/contract";
import type { ReplayReport, ReplayResult } from "@ameide-ext/toolkit";
import type { Command } from "commander";
import { type AttachedReplayReport, attachReplayReport } from "../registry/attach-replay-report.js";
import { terminalSafe } from "../report/terminal-text.js";
import { DEFAULT_SINCE, replayInvocations } from "../runtime/replay-invocations.js";
import { type CommandContext, examples } from "./command-context.js";
import { executeRegistryCommand } from "./registry-command.js";

interface ReplayFlags {
  from?: string;
  extension?: string;
  since?: string;
  limit?: string;
  against?: string;
  module?: string;
  tenant?: string;
  runtime?: string;
  runtimeToken?: string;
  config?: string;
  attach?: boolean;
  env: string;
  registry?: string;
  token?: string;
  json?: boolean;
}

/** `ameide-ext replay <recording | --from runtime …> [--against …]`: a thin wrapper over {@link replayInvocations}. */
export function registerReplayCommand(program: Command, ctx: CommandContext): void {
  program
    .command("replay")
    .summary(
      "run recorded invocations again, locally: the same module must answer the same; another shows what changes",
    )
    .description(
      'Run recorded invocations (docs/runtime-service.md, "Recordings") in the local engine, with their recorded\n' +
        "input, context, limits and host-call answers. Against the recorded module (the runtime's copy, or --module)\n" +
        "each must give the same output, error and fuel, bit for bit: a mismatch fails (exit 1). --against a hook\n" +
        "folder or a version reports the differences instead: outputs that changed, new errors, fuel deltas.\n" +
        "Recordings come from a file (or a folder of them), or from the runtime, tenant-scoped by the caller token.\n" +
        "--against <version> --attach attaches the report to that version in the registry for --env (default prod):\n" +
        "where governance requires one (rule replay_required), a promotion there is refused without it; reviewers see the\n" +
        "summary (status, the review page) and the promotion's events store it. It is evidence, not a proof.\n" +
        "The --json document: `ameide-ext schema replay`.",
    )
    .argument("[recording]", "a recording file, or a folder of them")
    .option("--from <source>", "read the recordings from the runtime: --from runtime --extension <id>")
    .option("--extension <id>", "with --from runtime: the extension whose recordings to replay")
    .option(
      "--since <duration|time>",
      "with --from runtime: how far back (30m, 1h, 2d, or an ISO time)",
      DEFAULT_SINCE,
    )
    .option("--limit <n>", "with --from runtime: the most recordings read", "1000")
    .option("--against <hook dir|version>", "run this hook folder, or this version of the extension, instead")
    .option("--module <file.wasm>", "the recorded module as a file, instead of the runtime's copy")
    .option(
      "--tenant <tenant>",
      "the tenant (default $AMEIDE_TENANT, else the config file's tenant, else local)",
    )
    .option(
      "--runtime <url>",
      "the runtime's URL (default $AMEIDE_RUNTIME_URL, else the config file's runtime_url)",
    )
    .option(
      "--runtime-token <token>",
      "the runtime caller token, for the tenant (default $AMEIDE_RUNTIME_TOKEN, else the file the config's runtime_token_file names)",
    )
    .option(
      "--config <file>",
      "the CLI config file (default $AMEIDE_CONFIG, else the nearest .ameide-dev/config.json at or above the cwd, else ~/.ameide-ext/config.json)",
    )
    .option(
      "--attach",
      "with --against <version>: attach the report to that version in the registry, for --env (a promotion there may require one: rule replay_required)",
    )
    .option("--env <env>", "with --attach: the environment whose recorded decisions these are", "prod")
    .option(
      "--registry <url>",
      "with --attach: the registry's URL (default $AMEIDE_REGISTRY_URL, else the config file's registry_url)",
    )
    .option(
      "--token <token>",
      "with --attach: bearer token naming you (default $AMEIDE_TOKEN, else the config file's token)",
    )
    .option("--json", "print one JSON document on stdout")
    .addHelpText(
      "after",
      examples([
        "$ npx ameide-ext replay --from runtime --extension deal-guard --since 1h",
        "$ npx ameide-ext replay --from runtime --extension deal-guard --against hooks/deal-guard --json",
        "$ npx ameide-ext replay recording.json --module dist/deal-guard.wasm",
        "$ npx ameide-ext replay --from runtime --extension deal-guard --against 4 --attach --env prod",
      ]),
    )
    .action((recording: string | undefined, flags: ReplayFlags) =>
      executeRegistryCommand(ctx, flags.json, async (progress) => {
        if (flags.attach && (flags.against === undefined || (await isFolder(ctx, flags.against))))
          throw new ExtensionError(
            "invalid_argument",
            "--attach needs --against <version> (a version in the registry, not a hook folder): the report says what that version changes",
            "invalid_input",
            { field: "attach" },
          );
        const shas = new Set<string>();
        let extension = flags.extension;
        const report = await replayInvocations(
          {
            ...flags,
            recording,
            limit: flags.limit === undefined ? undefined : Number(flags.limit),
            onRecordings: (recs) => {
              for (const r of recs) shas.add(r.module_sha256);
              extension ??= recs[0]?.extension_id;
            },
          },
          ctx.deps,
        );
        progress(report.summary);
        const ok = report.mismatches === 0;
        let attached: AttachedReplayReport | undefined;
        if (flags.attach && extension !== undefined && flags.against !== undefined)
          attached = await attachReplayReport(
            report,
            { ...flags, extension, version: flags.against, recordedModuleSha256s: [...shas] },
            ctx.deps,
          );
        const lines = replayTable(report);
        if (attached)
          lines.push(`attached to ${extension} v${flags.against} for ${attached.env}: ${attached.summary}`);
        return { doc: { ok, ...report, ...(attached ? { attached } : {}) }, lines };
      }),
    );
}

async function isFolder(ctx: CommandContext, p: string): Promise<boolean> {
  return (await ctx.deps.fs.kind(path.resolve(ctx.deps.cwd, p))) === "dir";
}

/**
 * The report for people: one row per recording, then the counts. A recording's fields come from the runtime
 * (or a file): each cell is {@link terminalSafe} on one line, before the columns are measured.
 */
export function replayTable(report: ReplayReport): string[] {
  const cell = (text: string) => terminalSafe(text, { singleLine: true });
  const rows = report.results.map((r) =>
    [
      r.recorded_at,
      `${r.extension_id}@${r.version}`,
      r.status,
      r.differences.join(",") || "-",
      `${r.recorded.outcome} -> ${r.replayed?.outcome ?? "-"}`,
      fuelCell(r),
    ].map(cell),
  );
  const head = ["recorded at", "extension", "status", "differs", "outcome", "fuel (delta)"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] as number))
      .join("  ")
      .trimEnd();
  const problems = report.results.flatMap((r) =>
    r.host_call_problems.map((p) => `  ${cell(r.source)}: ${cell(p)}`),
  );
  return [
    line(head),
    ...rows.map(line),
    "",
    cell(report.summary),
    `replayed ${report.replayed} of ${report.total} (skipped ${report.skipped}); ${
      report.mode === "same"
        ? `identical ${report.identical}, mismatches ${report.mismatches}`
        : `changed ${report.changed}, new errors ${report.new_errors}`
    }; fuel ${report.fuel.recorded} -> ${report.fuel.replayed} (${signed(report.fuel.delta)})`,
    ...(problems.length > 0 ? ["host calls:", ...problems] : []),
  ];
}

function fuelCell(r: ReplayResult): string {
  if (r.replayed === null) return "-";
  return `${r.replayed.fuel_used} (${signed(r.fuel_delta ?? 0)})`;
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}
