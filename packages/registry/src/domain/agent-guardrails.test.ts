import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openRegistryStore } from "../store/open-registry-store.js";
import type { RegistryStore } from "../store/registry-store.js";
import { STORE_BACKENDS } from "../testing/store-backends.js";
import { createRegistry } from "./create-registry.js";
import { createGovernance, type GovernanceOptions } from "./governance.js";
import type { Caller, CompileOutcome, Registry } from "./registry.js";
import type { RevisionRecord } from "./types.js";

const T = "acme";
const ann: Caller = { actor: "user:ann", tenants: [T] };
const bot: Caller = { actor: "agent:l2o", tenants: [T] };
const other: Caller = { actor: "agent:other", tenants: [T] };

const sources = [{ path: "src/index.ts", contentBase64: Buffer.from("export {}").toString("base64") }];

async function succeeds(rev: RevisionRecord): Promise<CompileOutcome> {
  return {
    record: {
      status: "succeeded",
      toolchain: "fake",
      diagnostics: [],
      tests: [
        {
          name: "t",
          passed: true,
          message: "",
          inputJson: "{}",
          outputJson: "{}",
          durationUs: 1,
          maxLimitRatio: 0.1,
        },
      ],
      moduleBytes: 1,
      startedAt: "2026-01-01T00:00:00.000Z",
      finishedAt: "2026-01-01T00:00:01.000Z",
    },
    wasmBlobRef: `extensions/${rev.tenantId}/${rev.extensionId}/${rev.version}.wasm#sha256=${"a".repeat(64)}`,
    sha256: "a".repeat(64),
  };
}

describe("createGovernance()", () => {
  it("gives agents not listed the default's limits, and fills in low, every environment and 60 per hour", () => {
    const g = createGovernance({
      agents: { default: { environments: ["dev"] }, "agent:l2o": { maxRiskTier: "medium" } },
    });
    expect(g.limitsOf("agent:x")).toEqual({ maxRiskTier: "low", environments: ["dev"], versionsPerHour: 60 });
    expect(g.limitsOf("agent:l2o")).toEqual({
      maxRiskTier: "medium",
      environments: ["dev"],
      versionsPerHour: 60,
    });
    expect(createGovernance().limitsOf("agent:x").environments).toEqual(["dev", "staging", "prod"]);
  });

  it("takes the older agent_max_risk_tier settings, the per-agent ones winning over the default", () => {
    const g = createGovernance({
      defaultAgentMaxRiskTier: "medium",
      agentMaxRiskTier: { "agent:a": "high" },
    });
    expect(g.maxRiskTierOf("agent:a")).toBe("high");
    expect(g.maxRiskTierOf("agent:b")).toBe("medium");
  });

  it.each<[string, GovernanceOptions]>([
    ["a tier that is no tier", { agents: { default: { maxRiskTier: "extreme" as "low" } } }],
    ["an unknown environment", { agents: { "agent:a": { environments: ["qa" as "dev"] } } }],
    ["a rate of 0", { agents: { "agent:a": { versionsPerHour: 0 } } }],
    ["a key that is no agent", { agents: { "user:ann": { maxRiskTier: "low" } } }],
  ])("refuses %s (invalid_argument)", (_name, options) => {
    expect(() => createGovernance(options)).toThrow(expect.objectContaining({ code: "invalid_argument" }));
  });
});

describe.each(STORE_BACKENDS)("guardrails per agent on $name", (backend) => {
  let store: RegistryStore;
  let registry: Registry;
  let clock = Date.parse("2026-03-01T10:00:00.000Z");
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  afterEach(async () => {
    await registry?.idle();
    await store?.close();
  });

  const make = (s: RegistryStore, governance: GovernanceOptions) =>
    createRegistry({ store: s, compiler: succeeds, governance, now: () => new Date(clock) });

  async function open(governance: GovernanceOptions) {
    clock = Date.parse("2026-03-01T10:00:00.000Z");
    store = await backend.open();
    registry = make(store, governance);
  }

  const draft = (by: Caller, id: string, riskTier: "low" | "medium" | "high" = "low") =>
    registry.createDraft(by, { tenantId: T, extensionId: id, kind: "process_hook", riskTier });

  async function compiled(by: Caller, id: string, riskTier: "low" | "medium" | "high") {
    const d = await draft(by, id, riskTier);
    const key = { tenantId: T, extensionId: id, version: d.revision.version };
    await registry.uploadSource(by, {
      ...key,
      language: "assemblyscript",
      files: sources,
      manifestJson: "{}",
    });
    await registry.requestCompile(by, key);
    await registry.idle();
    return key;
  }

  it("agent_risk_tier: an agent neither creates nor uploads to a version above its tier; the limit and the fix in details", async () => {
    await open({ agents: { "agent:l2o": { maxRiskTier: "medium" } } });
    await expect(draft(bot, "risky", "high")).rejects.toMatchObject({
      code: "permission_denied",
      details: { rule: "agent_risk_tier", agent: "agent:l2o", limit: "medium", requested: "high" },
    });
    const refused = await draft(other, "risky", "medium").catch((e: unknown) => e);
    expect(refused).toMatchObject({
      code: "permission_denied",
      details: { rule: "agent_risk_tier", limit: "low", fix: expect.stringContaining("governance.agents") },
    });
    // A human's high-risk draft: an agent may not upload sources to it.
    const human = await draft(ann, "human-rule", "high");
    const key = { tenantId: T, extensionId: "human-rule", version: human.revision.version };
    await expect(
      registry.uploadSource(bot, { ...key, language: "assemblyscript", files: sources, manifestJson: "{}" }),
    ).rejects.toMatchObject({
      code: "permission_denied",
      details: { rule: "agent_risk_tier", limit: "medium", requested: "high" },
    });
    // Nor sources whose manifest claims a tier above its own.
    const low = await draft(bot, "low-rule", "low");
    await expect(
      registry.uploadSource(bot, {
        tenantId: T,
        extensionId: "low-rule",
        version: low.revision.version,
        language: "assemblyscript",
        files: sources,
        manifestJson: JSON.stringify({ risk_tier: "high" }),
      }),
    ).rejects.toMatchObject({ code: "permission_denied", details: { rule: "agent_risk_tier" } });
    // And the registry still serves the agent within its tier.
    expect((await draft(bot, "risky", "medium")).revision.createdBy).toBe("agent:l2o");
  });

  it("agent_environment: an agent requests promotion only to its environments; humans are not limited", async () => {
    await open({ agents: { default: { maxRiskTier: "medium", environments: ["dev"] } } });
    const key = await compiled(bot, "deal-guard", "low");
    expect((await registry.get(ann, key)).revision.revision.state).toBe("promoted_dev");
    const refused = await registry.requestPromotion(bot, { ...key, env: "staging" }).catch((e: unknown) => e);
    expect(refused).toMatchObject({
      code: "permission_denied",
      details: {
        rule: "agent_environment",
        agent: "agent:l2o",
        env: "staging",
        allowed: ["dev"],
        fix: expect.stringContaining("user:"),
      },
    });
    const byHuman = await registry.requestPromotion(ann, { ...key, env: "staging" });
    expect(byHuman.revision.pending?.env).toBe("staging");
  });

  it("agent_rate: versions per hour, counted from the store (a new registry on it, a restart, still counts)", async () => {
    await open({ agents: { "agent:l2o": { versionsPerHour: 3 } } });
    for (let i = 0; i < 3; i++) await draft(bot, `hook-${i}`);
    const refused = await draft(bot, "hook-3").catch((e: unknown) => e);
    expect(refused).toMatchObject({
      code: "resource_exhausted",
      details: {
        rule: "agent_rate",
        agent: "agent:l2o",
        limit: 3,
        actual: 3,
        retryAfterSeconds: 3600,
        fix: expect.any(String),
      },
    });
    // Another agent and a human are not counted against it.
    await draft(other, "other-hook");
    await draft(ann, "human-hook");
    // A new registry over the same store (its memory empty) refuses too.
    registry = make(store, { agents: { "agent:l2o": { versionsPerHour: 3 } } });
    await expect(draft(bot, "hook-3")).rejects.toMatchObject({ details: { rule: "agent_rate" } });
    // An hour after the first, one more.
    clock += 3_600_001;
    expect((await draft(bot, "hook-3")).revision.version).toBe("1");
  });

  it("agent_rate holds under concurrency: of 8 drafts at once with a limit of 3, exactly 3 are made", async () => {
    await open({ agents: { "agent:l2o": { versionsPerHour: 3 } } });
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => draft(bot, `hook-${i}`)));
    const made = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(made).toHaveLength(3);
    for (const r of refused) expect(r.reason).toMatchObject({ details: { rule: "agent_rate" } });
  });

  it("a replayed CreateDraft (same request_id) is not a new version and does not count", async () => {
    await open({ agents: { "agent:l2o": { versionsPerHour: 1 } } });
    const request = {
      tenantId: T,
      extensionId: "x",
      kind: "process_hook" as const,
      riskTier: "low" as const,
    };
    const first = await registry.createDraft(bot, { ...request, requestId: "r-1" });
    const replay = await registry.createDraft(bot, { ...request, requestId: "r-1" });
    expect(replay.revision.version).toBe(first.revision.version);
  });
});

describe("agent_rate across a restart of the SQLite file", () => {
  it("counts the versions the process before the restart created", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ameide-rate-"));
    const file = join(dir, "registry.db");
    const governance = { agents: { "agent:l2o": { versionsPerHour: 2 } } };
    try {
      let store = await openRegistryStore(file);
      let registry = createRegistry({ store, governance });
      for (const id of ["a", "b"])
        await registry.createDraft(bot, {
          tenantId: T,
          extensionId: id,
          kind: "process_hook",
          riskTier: "low",
        });
      await store.close();
      store = await openRegistryStore(file);
      registry = createRegistry({ store, governance });
      await expect(
        registry.createDraft(bot, { tenantId: T, extensionId: "c", kind: "process_hook", riskTier: "low" }),
      ).rejects.toMatchObject({ code: "resource_exhausted", details: { rule: "agent_rate", limit: 2 } });
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
