// The opportunity-risk hook's fixtures, run by the toolkit (what `ameide-ext test` runs) with the manifest's
// production limits, on a copy of the hook folder so parallel suites never share its dist/.
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNodeToolkitDeps, testHook } from "@ameide-ext/toolkit";
import { afterAll, describe, expect, it } from "vitest";
import { OPPORTUNITY_RISK_DIR, readToolManifest } from "./opportunity-risk-hook.js";

describe("the opportunity-risk hook", () => {
  let work: string | undefined;
  afterAll(() => (work ? rm(work, { recursive: true, force: true }) : undefined));

  it("passes every fixture: high, medium and low risk scores, and its business errors", async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-deal-coach-hook-"));
    const dir = join(work, "opportunity-risk");
    await cp(OPPORTUNITY_RISK_DIR, dir, { recursive: true, filter: (src) => !src.includes("/dist") });
    const result = await testHook({ dir }, createNodeToolkitDeps(dir));
    expect(result.cases.filter((c) => !c.ok).map((c) => [c.name, c.failures, c.diff])).toEqual([]);
    expect(result.manifest).toMatchObject({ kind: "agent_tool", risk_tier: "low", host_calls: [] });
    const outcomes = Object.fromEntries(
      result.cases.map((c) => [c.file.replace(/^.*\//, ""), c.error?.code ?? c.output]),
    );
    expect(outcomes).toMatchObject({
      "high-risk.json": { score: 94, band: "high" },
      "medium-risk.json": { score: 35, band: "medium" },
      "low-risk.json": { score: 0, band: "low" },
      "closed-opportunity.json": "OPPORTUNITY_CLOSED",
      "not-an-object.json": "INVALID_OPPORTUNITY",
      "unknown-stage.json": "INVALID_OPPORTUNITY",
    });
  });

  it("its manifest is a tool definition: a description for the model and both schemas", async () => {
    const def = await readToolManifest();
    expect(def).toMatchObject({ id: "opportunity-risk", version: "1" });
    expect(def.input_schema).toMatchObject({ type: "object", additionalProperties: false });
    expect((await readToolManifest(undefined, "latest")).version).toBe("latest");
  });

  it("a manifest it cannot read is not_found; one that is not JSON is invalid_manifest", async () => {
    await expect(readToolManifest("/nonexistent/extension.json")).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(readToolManifest(join(OPPORTUNITY_RISK_DIR, "src", "index.ts"))).rejects.toMatchObject({
      code: "invalid_argument",
      reason: "invalid_manifest",
    });
  });
});
