import { ExtensionError } from "@ameide-ext/contract";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RegistryStore } from "../store/registry-store.js";
import { STORE_BACKENDS } from "../testing/store-backends.js";
import { createRegistry } from "./create-registry.js";
import type { GovernanceOptions } from "./governance.js";
import type { Caller, Registry } from "./registry.js";
import { MAX_REPLAY_REPORT_BYTES } from "./replay-reports.js";

const T = "acme";
const ann: Caller = { actor: "user:ann", tenants: [T] };
const bob: Caller = { actor: "user:bob", tenants: [T] };
const cat: Caller = { actor: "user:cat", tenants: [T] };
const dan: Caller = { actor: "user:dan", tenants: [T] };
const bot: Caller = { actor: "agent:l2o", tenants: [T] };
const stranger: Caller = { actor: "user:eve", tenants: ["globex"] };
const sha = "c".repeat(64);

/** A replay report as `ameide-ext replay --against 1 --attach` sends it. */
function report(over: Record<string, unknown> = {}) {
  return JSON.stringify({
    summary: "1 changes 3 of the last 1,000 recorded decisions",
    against: "1",
    total: 1000,
    replayed: 1000,
    skipped: 0,
    changed: 3,
    new_errors: 1,
    fuel_delta: -120,
    recorded_module_sha256s: ["a".repeat(64)],
    generated_at: "2026-12-06T03:00:00.000Z",
    differences: [
      { id: "r1", recorded_at: "2026-12-06T02:00:00.000Z", status: "changed", differences: ["output"] },
    ],
    ...over,
  });
}

async function refusal(p: Promise<unknown>): Promise<ExtensionError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ExtensionError);
  return e as ExtensionError;
}

describe.each(STORE_BACKENDS)("replay reports as a promotion gate on $name", (backend) => {
  let store: RegistryStore;
  let registry: Registry;
  beforeAll(async () => {
    await backend.setup();
  });
  afterAll(async () => {
    await backend.teardown();
  });
  afterEach(async () => {
    await registry?.idle();
    await store?.close();
  });

  /** A registry with version 1 of deal-guard (risk tier `tier`) compiled, as a draft. */
  async function open(tier: "low" | "high", governance?: GovernanceOptions) {
    store = await backend.open();
    registry = createRegistry({
      store,
      governance,
      compiler: async (rev) => ({
        record: {
          status: "succeeded",
          toolchain: "t",
          diagnostics: [],
          tests: [
            {
              name: "f",
              passed: true,
              message: "",
              inputJson: "{}",
              outputJson: "{}",
              durationUs: 1,
              maxLimitRatio: 0.1,
            },
          ],
          moduleBytes: 1,
          startedAt: "",
          finishedAt: "",
        },
        wasmBlobRef: `extensions/${rev.tenantId}/${rev.extensionId}/${rev.version}.wasm#sha256=${sha}`,
        sha256: sha,
      }),
    });
    const d = await registry.createDraft(ann, {
      tenantId: T,
      extensionId: "deal-guard",
      kind: "process_hook",
      riskTier: tier,
    });
    const key = { tenantId: T, extensionId: "deal-guard", version: d.revision.version };
    await registry.uploadSource(ann, {
      ...key,
      language: "assemblyscript",
      files: [{ path: "src/index.ts", contentBase64: "" }],
      manifestJson: "{}",
    });
    await registry.requestCompile(ann, key);
    await registry.idle();
    return key;
  }

  /** Promotes `key` through dev and staging (high tier: one approval each). */
  async function toStaging(key: { tenantId: string; extensionId: string; version: string }) {
    for (const env of ["dev", "staging"] as const) {
      await registry.requestPromotion(bob, { ...key, env });
      await registry.approve(cat, { ...key, env });
    }
  }

  it("refuses a high-tier promotion to prod without a replay report (replay_required, with the command that attaches one)", async () => {
    const key = await open("high");
    await toStaging(key);
    const e = await refusal(registry.requestPromotion(bob, { ...key, env: "prod" }));
    expect(e.code).toBe("failed_precondition");
    expect(e.details).toMatchObject({ rule: "replay_required", env: "prod", riskTier: "high" });
    expect(String(e.details?.fix)).toContain(
      "ameide-ext replay --from runtime --extension deal-guard --against 1 --attach --env prod",
    );
  });

  it("with a report attached, the promotion goes through and its events carry the summary", async () => {
    const key = await open("high");
    await toStaging(key);
    const attached = await registry.attachReplayReport(bob, { ...key, env: "prod", reportJson: report() });
    expect(attached).toMatchObject({
      env: "prod",
      attachedBy: "user:bob",
      summary: "1 changes 3 of the last 1,000 recorded decisions",
    });
    const requested = await registry.requestPromotion(bob, { ...key, env: "prod" });
    expect((requested.replayReports ?? []).map((r) => [r.env, r.summary])).toEqual([
      ["prod", "1 changes 3 of the last 1,000 recorded decisions"],
    ]);
    await registry.approve(cat, { ...key, env: "prod" });
    const done = await registry.approve(dan, {
      ...key,
      env: "prod",
    });
    expect(done.revision.state).toBe("promoted_prod");
    const withSummary = done.events
      .filter((e) => e.env === "prod")
      .map((e) => [e.type, (e.data.replayReport as { summary?: string } | undefined)?.summary]);
    expect(withSummary).toEqual([
      ["promotion_requested", "1 changes 3 of the last 1,000 recorded decisions"],
      ["approved", "1 changes 3 of the last 1,000 recorded decisions"],
      ["approved", "1 changes 3 of the last 1,000 recorded decisions"],
      ["version_promoted", "1 changes 3 of the last 1,000 recorded decisions"],
    ]);
  });

  it("does not require a report for a low tier, nor for prod+high when the setting is emptied", async () => {
    const low = await open("low");
    // The low tier is in dev after its compile already.
    await registry.requestPromotion(bob, { ...low, env: "staging" });
    await registry.approve(cat, { ...low, env: "staging" });
    await expect(registry.requestPromotion(bob, { ...low, env: "prod" })).resolves.toBeDefined();
    await store.close();
    const key = await open("high", { replayRequired: { envs: [], riskTiers: [] } });
    await toStaging(key);
    await expect(registry.requestPromotion(bob, { ...key, env: "prod" })).resolves.toBeDefined();
  });

  it("can require a report in dev (configurable), and an agent may attach one there only", async () => {
    const key = await open("high", { replayRequired: { envs: ["dev"], riskTiers: ["high"] } });
    const e = await refusal(registry.requestPromotion(bob, { ...key, env: "dev" }));
    expect(e.details?.rule).toBe("replay_required");
    const agent = await refusal(
      registry.attachReplayReport(bot, { ...key, env: "prod", reportJson: report() }),
    );
    expect([agent.code, agent.details?.rule]).toEqual(["permission_denied", "agent_cannot_rollback"]);
    await registry.attachReplayReport(bot, { ...key, env: "dev", reportJson: report() });
    await expect(registry.requestPromotion(bob, { ...key, env: "dev" })).resolves.toBeDefined();
  });

  it("refuses a caller of another tenant", async () => {
    const key = await open("high");
    const e = await refusal(
      registry.attachReplayReport(stranger, { ...key, env: "prod", reportJson: report() }),
    );
    expect([e.code, e.details?.rule]).toEqual(["permission_denied", "tenant_access"]);
  });

  it.each([
    ["not JSON", "{"],
    ["an array", "[]"],
    ["a summary over 500 characters", report({ summary: "x".repeat(501) })],
    ["an empty summary", report({ summary: "" })],
    ["a summary with control characters", report({ summary: "ok\u001b[2Jcleared\nsecond line" })],
    ["another version", report({ against: "2" })],
    ["a negative count", report({ changed: -1 })],
    ["a fractional count", report({ replayed: 1.5 })],
    ["a bad sha256", report({ recorded_module_sha256s: ["xyz"] })],
    ["a bad time", report({ generated_at: "yesterday" })],
    ["too many differences", report({ differences: Array.from({ length: 101 }, () => ({ id: "r" })) })],
    ["an unknown field", report({ verdict: "fine" })],
    ["too many bytes", report({ differences: [{ id: "r", note: "x".repeat(MAX_REPLAY_REPORT_BYTES) }] })],
  ])("refuses a report with %s (invalid_argument/invalid_input) and still serves", async (_what, json) => {
    const key = await open("high");
    const e = await refusal(registry.attachReplayReport(bob, { ...key, env: "prod", reportJson: json }));
    expect([e.code, e.reason]).toEqual(["invalid_argument", "invalid_input"]);
    await expect(
      registry.attachReplayReport(bob, { ...key, env: "prod", reportJson: report() }),
    ).resolves.toBeDefined();
  });
});
