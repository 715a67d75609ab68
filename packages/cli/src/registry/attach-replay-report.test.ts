import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ReplayReport, ReplayResult } from "@ameide-ext/toolkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli.js";
import { EXIT_CODES } from "../exit-code.js";
import { createCapturedDeps } from "../testing/cli-process.js";
import {
  attachedReportJson,
  MAX_ATTACHED_DIFFERENCES,
  MAX_ATTACHED_REPORT_BYTES,
} from "./attach-replay-report.js";

function result(i: number, noise = ""): ReplayResult {
  const run = { outcome: "ok" as const, output_json: "{}", error: null, fuel_used: 10, peak_memory_bytes: 1 };
  return {
    source: `r${i}`,
    id: `r${i}${noise}`,
    extension_id: "deal-guard",
    version: "3",
    recorded_at: "2026-12-06T02:00:00.000Z",
    status: i % 2 === 0 ? "changed" : "unchanged",
    differences: i % 2 === 0 ? ["output"] : [],
    new_error: false,
    recorded: run,
    replayed: run,
    fuel_delta: 0,
    host_call_problems: [],
  };
}

function report(results: ReplayResult[]): ReplayReport {
  const changed = results.filter((r) => r.status === "changed").length;
  return {
    mode: "against",
    against: "version 4",
    total: results.length,
    replayed: results.length,
    skipped: 0,
    identical: 0,
    mismatches: 0,
    changed,
    new_errors: 0,
    fuel: { recorded: 10, replayed: 12, delta: 2 },
    summary: `version 4 changes ${changed} of the last ${results.length} recorded decisions`,
    results,
  };
}

const options = {
  extension: "deal-guard",
  version: "4",
  env: "prod",
  recordedModuleSha256s: ["a".repeat(64)],
};

describe("the report replay --attach sends", () => {
  it("names the environment in the summary, keeps the counts, and lists the first 20 changed recordings", () => {
    const doc = JSON.parse(
      attachedReportJson(report(Array.from({ length: 60 }, (_, i) => result(i))), options, "prod"),
    );
    expect(doc).toMatchObject({
      summary: "version 4 changes 30 of the last 60 recorded prod decisions",
      against: "4",
      total: 60,
      changed: 30,
      fuel_delta: 2,
      recorded_module_sha256s: ["a".repeat(64)],
    });
    expect(doc.differences).toHaveLength(MAX_ATTACHED_DIFFERENCES);
    expect(doc.differences.every((d: { status: string }) => d.status === "changed")).toBe(true);
  });

  it("lists fewer differences when 20 would pass 64 KiB", () => {
    const big = Array.from({ length: 40 }, (_, i) => result(i, "x".repeat(10_000)));
    const json = attachedReportJson(report(big), options, "prod");
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(MAX_ATTACHED_REPORT_BYTES);
    expect(JSON.parse(json).differences.length).toBeGreaterThan(0);
  });
});

describe("ameide-ext replay --attach, refusals before anything runs", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-attach-cli-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each([
    ["without --against", ["--from", "runtime", "--extension", "x", "--attach"]],
    ["against a hook folder", ["--from", "runtime", "--extension", "x", "--against", ".", "--attach"]],
  ])("refuses --attach %s (invalid_argument, exit 2)", async (_what, args) => {
    const io = createCapturedDeps({ cwd: dir, env: { HOME: join(dir, "no-home") } });
    const code = await runCli(["replay", ...args, "--json"], io.deps);
    expect(code).toBe(EXIT_CODES.usage);
    expect(JSON.parse(io.stdout()).error).toMatchObject({
      code: "invalid_argument",
      reason: "invalid_input",
      details: { field: "attach" },
    });
  });
});
