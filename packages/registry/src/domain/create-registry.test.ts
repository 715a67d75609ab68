import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { RegistryStore, RegistryTx } from "../store/registry-store.js";
import { STORE_BACKENDS } from "../testing/store-backends.js";
import { MAX_SOURCE_FILES } from "./authoring.js";
import { MAX_BASES } from "./code-authors.js";
import { createRegistry } from "./create-registry.js";
import type { Caller, CompileOutcome, Registry } from "./registry.js";
import type { Env, RevisionRecord, TestResultRecord } from "./types.js";

const T = "acme";
const ann: Caller = { actor: "user:ann", tenants: [T] };
const bob: Caller = { actor: "user:bob", tenants: [T] };
const cat: Caller = { actor: "user:cat", tenants: ["*"] };
const bot: Caller = { actor: "agent:l2o", tenants: [T] };
const stranger: Caller = { actor: "user:eve", tenants: ["globex"] };

const sources = [
  {
    path: "src/index.ts",
    contentBase64: Buffer.from("export function run(i: string): string { return i; }").toString("base64"),
  },
];

/** A compiler standing in for the worker: succeeds with `tests`, or fails when the source says FAIL. */
function fakeCompiler(tests: TestResultRecord[]) {
  return async (rev: RevisionRecord): Promise<CompileOutcome> => {
    const failed = rev.sources.some((s) =>
      Buffer.from(s.contentBase64, "base64").toString().includes("FAIL"),
    );
    return {
      record: {
        status: failed ? "failed" : "succeeded",
        toolchain: "fake",
        diagnostics: failed
          ? [
              {
                step: "build",
                severity: "error",
                reason: "compile_error",
                path: "src/index.ts",
                line: 1,
                column: 1,
                message: "FAIL",
              },
            ]
          : [],
        tests: failed ? [] : tests,
        moduleBytes: failed ? 0 : 100,
        startedAt: "2026-01-01T00:00:00.000Z",
        finishedAt: "2026-01-01T00:00:01.000Z",
      },
      wasmBlobRef: failed
        ? undefined
        : `extensions/${rev.tenantId}/${rev.extensionId}/${rev.version}.wasm#sha256=${"a".repeat(64)}`,
      sha256: failed ? undefined : "a".repeat(64),
    };
  };
}

const goodTests: TestResultRecord[] = [
  {
    name: "small deal",
    passed: true,
    message: "",
    inputJson: "{}",
    outputJson: "{}",
    durationUs: 10,
    maxLimitRatio: 0.1,
  },
];

describe.each(STORE_BACKENDS)("createRegistry() on $name", (backend) => {
  let store: RegistryStore;
  let registry: Registry;
  const changes: Env[] = [];
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  afterEach(async () => {
    await registry?.idle();
    await store?.close();
  });

  async function open(tests = goodTests, agentMaxRiskTier: Record<string, "low" | "medium" | "high"> = {}) {
    store = await backend.open();
    changes.length = 0;
    registry = createRegistry({
      store,
      compiler: fakeCompiler(tests),
      onDeploymentChange: async (env) => {
        changes.push(env);
      },
      governance: { agentMaxRiskTier },
    });
  }

  /** A draft with sources, compiled. */
  /** Attaches a replay report for prod (the high tier needs one there: replay_required, replay-reports.test.ts). */
  async function attachReplayReport(key: { tenantId: string; extensionId: string; version: string }) {
    const report = {
      summary: `${key.version} changes 0 of the last 10 recorded decisions`,
      against: key.version,
      ...{ total: 10, replayed: 10, skipped: 0, changed: 0, new_errors: 0 },
      recorded_module_sha256s: [],
      generated_at: "2026-12-06T00:00:00.000Z",
    };
    await registry.attachReplayReport(ann, { ...key, env: "prod", reportJson: JSON.stringify(report) });
  }

  async function compiled(by: Caller, riskTier: "low" | "medium" | "high", id = "deal-guard", src = sources) {
    const draft = await registry.createDraft(by, {
      tenantId: T,
      extensionId: id,
      kind: "process_hook",
      riskTier,
    });
    const key = { tenantId: T, extensionId: id, version: draft.revision.version };
    await registry.uploadSource(by, { ...key, language: "assemblyscript", files: src, manifestJson: "{}" });
    await registry.requestCompile(by, key);
    await registry.idle();
    return key;
  }

  it("auto-promotes a low-risk version to dev once compile and tests pass, with ExtensionVersionPromoted", async () => {
    await open();
    const key = await compiled(bot, "low");
    const { revision, extension } = await registry.get(ann, key);
    expect(revision.revision.state).toBe("promoted_dev");
    expect(revision.revision.wasmBlobRef).toMatch(/^extensions\/acme\/deal-guard\/1\.wasm#sha256=/);
    expect(extension.deployments).toMatchObject([
      { env: "dev", activeVersion: "1", updatedBy: "system:promotion-rules" },
    ]);
    expect(revision.events.map((e) => e.type)).toEqual([
      "draft_created",
      "source_uploaded",
      "compile_requested",
      "compile_succeeded",
      "version_promoted",
    ]);
    expect(revision.events.at(-1)).toMatchObject({
      actor: "system:promotion-rules",
      fromState: "draft",
      toState: "promoted_dev",
      env: "dev",
    });
    expect(changes).toEqual(["dev"]);
  });

  it("lists a tenant's pending promotions (not another tenant's, not a description quoting one) with who may approve", async () => {
    await open();
    const waiting = await compiled(ann, "medium", "deal-guard");
    await registry.requestPromotion(ann, { ...waiting, env: "dev" });
    await compiled(ann, "medium", "quiet"); // compiled, never requested: not pending
    const tricky = await registry.createDraft(ann, {
      tenantId: T,
      extensionId: "tricky",
      kind: "process_hook",
      riskTier: "low",
      description: '"pending":{"env":"dev"}',
    });
    expect(tricky.revision.pending).toBeUndefined();

    const list = await registry.listPending(bob, { tenantId: T });
    expect(list.map((v) => [v.revision.extensionId, v.revision.version, v.revision.pending?.env])).toEqual([
      ["deal-guard", "1", "dev"],
    ]);
    expect(list[0]?.mayApprove).toMatchObject({ excluded: ["user:ann"] });
    await expect(registry.listPending(stranger, { tenantId: T })).rejects.toMatchObject({
      code: "permission_denied",
      details: { rule: "tenant_access" },
    });
    expect(await registry.listPending(cat, { tenantId: "globex" })).toEqual([]);
  });

  it("leaves a failed compile failed, with its diagnostics readable, until new sources arrive", async () => {
    await open();
    const bad = [{ path: "src/index.ts", contentBase64: Buffer.from("FAIL").toString("base64") }];
    const key = await compiled(ann, "low", "deal-guard", bad);
    const { revision } = await registry.get(ann, key);
    expect(revision.revision.state).toBe("failed");
    expect(revision.revision.compile?.diagnostics[0]).toMatchObject({ reason: "compile_error" });
    await expect(registry.requestPromotion(ann, { ...key, env: "dev" })).rejects.toMatchObject({
      code: "failed_precondition",
      details: { rule: "revision_closed" },
    });
    await expect(registry.requestCompile(ann, key)).rejects.toMatchObject({
      details: { rule: "revision_closed" },
    });
    const again = await registry.uploadSource(ann, {
      ...key,
      language: "assemblyscript",
      files: sources,
      manifestJson: "{}",
    });
    expect(again.revision.state).toBe("draft");
  });

  it("medium: one human approval for each environment; the author cannot approve; agents never approve", async () => {
    await open(goodTests, { "agent:l2o": "medium" });
    const key = await compiled(bot, "medium");
    expect((await registry.get(ann, key)).revision.revision.state).toBe("draft");
    const requested = await registry.requestPromotion(bot, { ...key, env: "dev", comment: "please" });
    expect(requested.revision.state).toBe("in_review");
    expect(requested.revision.pending).toMatchObject({
      env: "dev",
      approvalsRequired: 1,
      requestedBy: "agent:l2o",
    });
    await expect(registry.approve(bot, { ...key, env: "dev" })).rejects.toMatchObject({
      code: "permission_denied",
      details: { rule: "agent_cannot_approve" },
    });
    await expect(registry.approve(ann, { ...key, env: "staging" })).rejects.toMatchObject({
      code: "failed_precondition",
      details: { rule: "no_pending_promotion" },
    });
    const approved = await registry.approve(ann, { ...key, env: "dev", comment: "looks right" });
    expect(approved.revision.state).toBe("promoted_dev");
    await registry.requestPromotion(bot, { ...key, env: "staging" });
    await registry.approve(ann, { ...key, env: "staging" });
    await attachReplayReport(key);
    await registry.requestPromotion(bot, { ...key, env: "prod" });
    const prod = await registry.approve(bob, { ...key, env: "prod" });
    expect(prod.revision.state).toBe("promoted_prod");
    expect(prod.approvals.map((a) => `${a.env}:${a.approver}`)).toEqual([
      "dev:user:ann",
      "staging:user:ann",
      "prod:user:bob",
    ]);

    const own = await compiled(ann, "medium", "own-rule");
    await registry.requestPromotion(ann, { ...own, env: "dev" });
    await expect(registry.approve(ann, { ...own, env: "dev" })).rejects.toMatchObject({
      code: "permission_denied",
      details: { rule: "self_approval" },
    });
  });

  it("reviews are human: a service identity (a runtime's credential) can neither approve nor reject", async () => {
    await open(goodTests, { "agent:l2o": "medium" });
    const runtime: Caller = { actor: "service:runtime-prod", tenants: ["*"] };
    const key = await compiled(bot, "medium");
    await registry.requestPromotion(bot, { ...key, env: "dev" });
    await expect(registry.approve(runtime, { ...key, env: "dev" })).rejects.toMatchObject({
      code: "permission_denied",
      details: { rule: "service_scope", mayApprove: { eligible: [] } },
    });
    await expect(registry.reject(runtime, { ...key, env: "dev", comment: "no" })).rejects.toMatchObject({
      code: "permission_denied",
      details: { rule: "service_scope" },
    });
    const view = await registry.get(ann, key);
    expect(view.revision.revision).toMatchObject({ state: "in_review", pending: { approvers: [] } });
    expect((await registry.approve(ann, { ...key, env: "dev" })).revision.state).toBe("promoted_dev");
  });

  it("a version's sources are its author's: no one else uploads into it, so no one approves code they wrote into another's version", async () => {
    await open(goodTests, { "agent:l2o": "medium" });
    const draft = await registry.createDraft(bot, {
      tenantId: T,
      extensionId: "deal-guard",
      kind: "process_hook",
      riskTier: "medium",
    });
    const key = { tenantId: T, extensionId: "deal-guard", version: draft.revision.version };
    const upload = { ...key, language: "assemblyscript" as const, files: sources, manifestJson: "{}" };
    // A human's code in an agent's version would be approvable by that human; an agent's in a human's, shown as the human's.
    await expect(registry.uploadSource(ann, upload)).rejects.toMatchObject({
      code: "permission_denied",
      details: { rule: "not_the_author" },
    });
    const own = await registry.createDraft(ann, {
      tenantId: T,
      extensionId: "own-rule",
      kind: "process_hook",
      riskTier: "medium",
    });
    await expect(
      registry.uploadSource(bot, { ...upload, extensionId: "own-rule", version: own.revision.version }),
    ).rejects.toMatchObject({ code: "permission_denied", details: { rule: "not_the_author" } });
    // The author still uploads, and the refused callers' attempts left no trace in the version.
    await registry.uploadSource(bot, upload);
    const { events } = await registry.listEvents(ann, key);
    expect(events.filter((e) => e.type === "source_uploaded").map((e) => e.actor)).toEqual(["agent:l2o"]);
  });

  it("no one approves their own unreviewed code in another's version built on it (CreateDraft from a base)", async () => {
    await open(goodTests, { "agent:l2o": "medium" });
    // ann's version 1, never reviewed; bot makes version 2 from it, with ann's code, and asks for dev.
    const draft1 = await registry.createDraft(ann, {
      tenantId: T,
      extensionId: "deal-guard",
      kind: "process_hook",
      riskTier: "medium",
    });
    const v1 = { tenantId: T, extensionId: "deal-guard", version: draft1.revision.version };
    await registry.uploadSource(ann, {
      ...v1,
      language: "assemblyscript",
      files: sources,
      manifestJson: "{}",
    });
    const draft2 = await registry.createDraft(bot, {
      ...v1,
      kind: "process_hook",
      riskTier: "medium",
      baseVersion: v1.version,
    });
    const v2 = { ...v1, version: draft2.revision.version };
    await registry.requestCompile(bot, v2);
    await registry.idle();
    const pending = await registry.requestPromotion(bot, { ...v2, env: "dev" });
    expect(pending.mayApprove?.excluded).toEqual(["agent:l2o", "user:ann"]);
    await expect(registry.approve(ann, { ...v2, env: "dev" })).rejects.toMatchObject({
      code: "permission_denied",
      details: { rule: "self_approval" },
    });
    expect((await registry.approve(bob, { ...v2, env: "dev" })).revision.state).toBe("promoted_dev");
    // Once reviewed by someone else, ann's code is no longer only hers: she reviews a version built on it.
    const draft3 = await registry.createDraft(bot, {
      ...v1,
      kind: "process_hook",
      riskTier: "medium",
      baseVersion: v2.version,
    });
    const v3 = { ...v1, version: draft3.revision.version };
    await registry.requestCompile(bot, v3);
    await registry.idle();
    await registry.requestPromotion(bot, { ...v3, env: "dev" });
    expect((await registry.approve(ann, { ...v3, env: "dev" })).revision.state).toBe("promoted_dev");
  });

  it("a base reviewed for one environment then rejected for the next is not reviewed code: its author stays excluded", async () => {
    await open(goodTests, { "agent:l2o": "high" });
    // ann's high-tier version 1: bob approves dev and staging, cat rejects prod.
    const v1 = await compiled(ann, "high");
    for (const env of ["dev", "staging"] as const) {
      await registry.requestPromotion(ann, { ...v1, env });
      await registry.approve(bob, { ...v1, env });
    }
    await attachReplayReport(v1);
    await registry.requestPromotion(ann, { ...v1, env: "prod" });
    await registry.reject(cat, { ...v1, env: "prod", comment: "not this" });
    const draft2 = await registry.createDraft(bot, {
      ...v1,
      kind: "process_hook",
      riskTier: "high",
      baseVersion: v1.version,
    });
    const v2 = { ...v1, version: draft2.revision.version };
    await registry.requestCompile(bot, v2);
    await registry.idle();
    await registry.requestPromotion(bot, { ...v2, env: "dev" });
    await expect(registry.approve(ann, { ...v2, env: "dev" })).rejects.toMatchObject({
      details: { rule: "self_approval" },
    });
  });

  it("refuses an approval when a version's unreviewed lineage is too long to read (more than MAX_BASES)", async () => {
    await open(goodTests);
    let key = await compiled(ann, "medium");
    for (let i = 0; i <= MAX_BASES; i++) {
      const next = await registry.createDraft(ann, {
        ...key,
        kind: "process_hook",
        riskTier: "medium",
        baseVersion: key.version,
      });
      key = { ...key, version: next.revision.version };
    }
    await registry.requestCompile(ann, key);
    await registry.idle();
    const pending = await registry.requestPromotion(ann, { ...key, env: "dev" });
    expect(pending.mayApprove?.eligible).toEqual([]);
    await expect(registry.approve(bob, { ...key, env: "dev" })).rejects.toMatchObject({
      code: "permission_denied",
      details: { rule: "self_approval" },
      message: expect.stringContaining(`more than ${MAX_BASES} unreviewed versions`),
    });
  });

  it("audit: every event of a version names its author; a promotion's events name who asked and who approved", async () => {
    await open(goodTests, { "agent:l2o": "high" });
    const key = await compiled(bot, "high");
    for (const env of ["dev", "staging", "prod"] as const) {
      if (env === "prod") await attachReplayReport(key);
      await registry.requestPromotion(bot, { ...key, env, comment: `to ${env}` });
      await registry.approve(ann, { ...key, env });
      if (env === "prod") await registry.approve(bob, { ...key, env });
    }
    const { events } = await registry.listEvents(ann, key);
    for (const e of events) expect(e, e.type).toMatchObject({ author: "agent:l2o" });
    const promoted = events.filter((e) => e.type === "version_promoted");
    expect(promoted.map((e) => [e.env, e.actor, e.requestedBy, e.approvers])).toEqual([
      ["dev", "user:ann", "agent:l2o", ["user:ann"]],
      ["staging", "user:ann", "agent:l2o", ["user:ann"]],
      ["prod", "user:bob", "agent:l2o", ["user:ann", "user:bob"]],
    ]);
    const approvals = events.filter((e) => e.type === "approved");
    expect(approvals.map((e) => [e.actor, e.requestedBy])).toEqual([
      ["user:ann", "agent:l2o"],
      ["user:ann", "agent:l2o"],
      ["user:ann", "agent:l2o"],
      ["user:bob", "agent:l2o"],
    ]);
    // An auto-promotion was asked for by no one and approved by no one: the rules did it.
    const low = await compiled(bot, "low", "low-rule");
    const auto = (await registry.listEvents(ann, low)).events.find((e) => e.type === "version_promoted");
    expect(auto).toMatchObject({ actor: "system:promotion-rules", requestedBy: "", approvers: [] });
  });

  it("says who may approve a pending promotion: in the view, and in each refused approval's details with the fix", async () => {
    store = await backend.open();
    const known = ["user:ann", "user:bob", "user:cat", "agent:l2o"];
    registry = createRegistry({
      store,
      compiler: fakeCompiler(goodTests),
      governance: { agentMaxRiskTier: { "agent:l2o": "high" } },
      reviewersOf: (tenant) => (tenant === T ? known : []),
    });
    const key = await compiled(ann, "high");
    for (const env of ["dev", "staging"] as const) {
      await registry.requestPromotion(ann, { ...key, env });
      await registry.approve(bob, { ...key, env });
    }
    await attachReplayReport(key);
    const pending = await registry.requestPromotion(ann, { ...key, env: "prod" });
    expect(pending.mayApprove).toEqual({
      approvers: [],
      excluded: ["user:ann"],
      eligible: ["user:bob", "user:cat"],
    });
    const own = await registry.approve(ann, { ...key, env: "prod" }).catch((e: unknown) => e);
    expect(own).toMatchObject({
      code: "permission_denied",
      details: {
        rule: "self_approval",
        mayApprove: { excluded: ["user:ann"], eligible: ["user:bob", "user:cat"] },
        fix: expect.stringContaining("user:bob"),
      },
    });
    const one = await registry.approve(bob, { ...key, env: "prod" });
    expect(one.mayApprove).toEqual({
      approvers: ["user:bob"],
      excluded: ["user:ann", "user:bob"],
      eligible: ["user:cat"],
    });
    await expect(registry.approve(bob, { ...key, env: "prod" })).rejects.toMatchObject({
      details: {
        rule: "duplicate_approval",
        mayApprove: { eligible: ["user:cat"] },
        fix: expect.stringContaining("user:cat"),
      },
    });
    await expect(registry.approve(bot, { ...key, env: "prod" })).rejects.toMatchObject({
      code: "permission_denied",
      details: { rule: "agent_cannot_approve", mayApprove: { eligible: ["user:cat"] } },
    });
    const done = await registry.approve(cat, { ...key, env: "prod" });
    expect(done.mayApprove).toBeUndefined();
  });

  it("high: two distinct human approvals before prod, and fixtures within 50% of each limit", async () => {
    await open();
    const key = await compiled(ann, "high");
    for (const env of ["dev", "staging"] as const) {
      await registry.requestPromotion(ann, { ...key, env });
      await registry.approve(bob, { ...key, env });
    }
    await attachReplayReport(key);
    const pending = await registry.requestPromotion(ann, { ...key, env: "prod" });
    expect(pending.revision.pending?.approvalsRequired).toBe(2);
    const one = await registry.approve(bob, { ...key, env: "prod" });
    expect(one.revision.state).toBe("promoted_staging");
    await expect(registry.approve(bob, { ...key, env: "prod" })).rejects.toMatchObject({
      code: "failed_precondition",
      details: { rule: "duplicate_approval" },
    });
    const two = await registry.approve(cat, { ...key, env: "prod" });
    expect(two.revision.state).toBe("promoted_prod");
    expect(two.events.filter((e) => e.type === "version_promoted").map((e) => e.env)).toEqual([
      "dev",
      "staging",
      "prod",
    ]);
  });

  it("high: a fixture over 50% of a limit keeps the version out of prod", async () => {
    await open([{ ...goodTests[0], maxLimitRatio: 0.7 } as TestResultRecord]);
    const key = await compiled(ann, "high");
    for (const env of ["dev", "staging"] as const) {
      await registry.requestPromotion(ann, { ...key, env });
      await registry.approve(bob, { ...key, env });
    }
    await expect(registry.requestPromotion(ann, { ...key, env: "prod" })).rejects.toMatchObject({
      code: "failed_precondition",
      details: { rule: "high_tier_testing" },
    });
  });

  it("an agent creates drafts up to its maximum risk tier (default low)", async () => {
    await open(goodTests, { "agent:senior": "high" });
    await expect(
      registry.createDraft(bot, {
        tenantId: T,
        extensionId: "x-rule",
        kind: "process_hook",
        riskTier: "medium",
      }),
    ).rejects.toMatchObject({ code: "permission_denied", details: { rule: "agent_risk_tier", max: "low" } });
    const senior: Caller = { actor: "agent:senior", tenants: [T] };
    const ok = await registry.createDraft(senior, {
      tenantId: T,
      extensionId: "x-rule",
      kind: "process_hook",
      riskTier: "high",
    });
    expect(ok.revision.createdBy).toBe("agent:senior");
  });

  it("promotes in order, once, and only compiled versions", async () => {
    await open();
    const draft = await registry.createDraft(ann, {
      tenantId: T,
      extensionId: "deal-guard",
      kind: "process_hook",
      riskTier: "medium",
    });
    const key = { tenantId: T, extensionId: "deal-guard", version: draft.revision.version };
    await expect(registry.requestCompile(ann, key)).rejects.toMatchObject({
      details: { rule: "no_sources" },
    });
    await expect(registry.requestPromotion(ann, { ...key, env: "dev" })).rejects.toMatchObject({
      code: "failed_precondition",
      details: { rule: "compile_required" },
    });
    const low = await compiled(ann, "low", "low-rule");
    await expect(registry.requestPromotion(ann, { ...low, env: "prod" })).rejects.toMatchObject({
      details: { rule: "previous_env_required" },
    });
    await expect(registry.requestPromotion(ann, { ...low, env: "dev" })).rejects.toMatchObject({
      details: { rule: "already_promoted" },
    });
    await registry.requestPromotion(ann, { ...low, env: "staging" });
    await expect(registry.requestPromotion(ann, { ...low, env: "staging" })).rejects.toMatchObject({
      details: { rule: "promotion_pending" },
    });
    await expect(
      registry.uploadSource(ann, { ...low, language: "assemblyscript", files: sources, manifestJson: "{}" }),
    ).rejects.toMatchObject({ details: { rule: "not_a_draft" } });
  });

  it("reject needs a human and a comment; a never-promoted version ends rejected", async () => {
    await open();
    const key = await compiled(ann, "medium");
    await registry.requestPromotion(ann, { ...key, env: "dev" });
    await expect(registry.reject(bot, { ...key, env: "dev", comment: "no" })).rejects.toMatchObject({
      code: "permission_denied",
      details: { rule: "agent_cannot_review" },
    });
    await expect(registry.reject(bob, { ...key, env: "dev", comment: "" })).rejects.toMatchObject({
      code: "invalid_argument",
    });
    const rejected = await registry.reject(bob, {
      ...key,
      env: "dev",
      comment: "missing a case for zero margin",
    });
    expect(rejected.revision.state).toBe("rejected");
    expect(rejected.events.at(-1)).toMatchObject({
      type: "rejected",
      actor: "user:bob",
      comment: "missing a case for zero margin",
    });
    await expect(registry.requestPromotion(ann, { ...key, env: "dev" })).rejects.toMatchObject({
      details: { rule: "revision_closed" },
    });
  });

  it("rollback without a version goes to the newest older version that ran there, never forward", async () => {
    await open();
    for (let i = 0; i < 3; i++) await compiled(ann, "low");
    const back = (comment: string) =>
      registry.rollback(ann, { tenantId: T, extensionId: "deal-guard", env: "dev", comment });
    expect((await back("v3 misroutes")).deployments[0]?.activeVersion).toBe("2");
    expect((await back("v2 too")).deployments[0]?.activeVersion).toBe("1");
    await expect(back("and again")).rejects.toMatchObject({
      code: "failed_precondition",
      details: { rule: "not_promoted_to_env" },
    });
    const active = (await registry.get(ann, { tenantId: T, extensionId: "deal-guard", version: "1" }))
      .extension;
    expect(active.deployments[0]?.activeVersion).toBe("1");
  });

  it("rolls back per environment to a version that ran there; agents only in dev; pins need a promoted version", async () => {
    await open();
    const v1 = await compiled(ann, "low");
    const v2 = await compiled(ann, "low");
    expect(v2.version).toBe("2");
    let ext = (await registry.get(ann, v1)).extension;
    expect(ext.deployments[0]?.activeVersion).toBe("2");
    await expect(
      registry.rollback(ann, {
        tenantId: T,
        extensionId: "deal-guard",
        env: "dev",
        toVersion: "1",
        comment: "",
      }),
    ).rejects.toMatchObject({ code: "invalid_argument" });
    await expect(
      registry.rollback(ann, {
        tenantId: T,
        extensionId: "deal-guard",
        env: "staging",
        toVersion: "1",
        comment: "x",
      }),
    ).rejects.toMatchObject({
      details: { rule: "not_promoted_to_env" },
    });
    await expect(
      registry.rollback(bot, {
        tenantId: T,
        extensionId: "deal-guard",
        env: "prod",
        toVersion: "1",
        comment: "x",
      }),
    ).rejects.toMatchObject({
      code: "permission_denied",
      details: { rule: "agent_cannot_rollback" },
    });
    ext = await registry.rollback(ann, {
      tenantId: T,
      extensionId: "deal-guard",
      env: "dev",
      comment: "v2 misroutes deals",
    });
    expect(ext.deployments[0]).toMatchObject({ env: "dev", activeVersion: "1", updatedBy: "user:ann" });
    await expect(
      registry.rollback(ann, {
        tenantId: T,
        extensionId: "deal-guard",
        env: "dev",
        toVersion: "1",
        comment: "x",
      }),
    ).rejects.toMatchObject({
      details: { rule: "already_active" },
    });
    const events = await registry.listEvents(ann, { tenantId: T, extensionId: "deal-guard" });
    expect(events.events.at(-1)).toMatchObject({
      type: "rolled_back",
      version: "1",
      previousVersion: "2",
      env: "dev",
      comment: "v2 misroutes deals",
    });
    ext = await registry.pin(ann, {
      tenantId: T,
      extensionId: "deal-guard",
      env: "dev",
      consumerRef: "process:l2o",
      version: "2",
    });
    expect(ext.pins).toMatchObject([{ consumerRef: "process:l2o", version: "2" }]);
    await expect(
      registry.pin(ann, {
        tenantId: T,
        extensionId: "deal-guard",
        env: "prod",
        consumerRef: "process:l2o",
        version: "2",
      }),
    ).rejects.toMatchObject({
      details: { rule: "not_promoted_to_env" },
    });
    ext = await registry.pin(ann, {
      tenantId: T,
      extensionId: "deal-guard",
      env: "dev",
      consumerRef: "process:l2o",
    });
    expect(ext.pins).toEqual([]);
    expect(changes.filter((e) => e === "dev").length).toBeGreaterThanOrEqual(4);
  });

  it("refuses a caller outside the tenant", async () => {
    await open();
    await expect(
      registry.createDraft(stranger, {
        tenantId: T,
        extensionId: "deal-guard",
        kind: "process_hook",
        riskTier: "low",
      }),
    ).rejects.toMatchObject({ code: "permission_denied", details: { rule: "tenant_access" } });
  });

  /** The CreateDraft payload the request_id tests replay. */
  const draftRequest = {
    tenantId: T,
    extensionId: "deal-guard",
    kind: "process_hook" as const,
    riskTier: "low" as const,
  };

  it("a replayed CreateDraft (same request_id, same payload) returns the same draft, no new version", async () => {
    await open();
    const request = {
      ...draftRequest,
      requestId: "6f1c2a52-5d0e-4c43-9a57-2f7e4d9a0b11",
      limits: { cpu_millis: 100, memory_mb: undefined },
      tags: ["b", "a"],
    };
    const first = await registry.createDraft(ann, request);
    const replay = await registry.createDraft(ann, { ...request, limits: { cpu_millis: 100 } });
    expect(replay.revision.version).toBe(first.revision.version);
    const { revisions } = await registry.listVersions(ann, { tenantId: T, extensionId: "deal-guard" });
    expect(revisions.map((r) => r.revision.version)).toEqual(["1"]);
    const events = await registry.listEvents(ann, { tenantId: T, extensionId: "deal-guard" });
    expect(events.events.filter((e) => e.type === "draft_created")).toHaveLength(1);
    // The id is the caller's: another principal with the same id gets its own draft, and the registry still serves.
    const other = await registry.createDraft(bob, request);
    expect(other.revision.version).toBe("2");
    const fresh = await registry.createDraft(ann, { ...request, requestId: undefined });
    expect(fresh.revision.version).toBe("3");
  });

  it("refuses a request_id reused with another payload: failed_precondition, rule request_id_reused", async () => {
    await open();
    const request = {
      ...draftRequest,
      requestId: "req-1",
    };
    await registry.createDraft(ann, request);
    await expect(registry.createDraft(ann, { ...request, riskTier: "medium" })).rejects.toMatchObject({
      code: "failed_precondition",
      details: { rule: "request_id_reused", requestId: "req-1" },
    });
    await expect(registry.createDraft(ann, { ...request, extensionId: "other-hook" })).rejects.toMatchObject({
      code: "failed_precondition",
      details: { rule: "request_id_reused" },
    });
    const again = await registry.createDraft(ann, request);
    expect(again.revision.version).toBe("1");
  });

  it("refuses a request_id longer than 128 characters or with control characters (invalid_argument)", async () => {
    await open();
    const request = draftRequest;
    await expect(registry.createDraft(ann, { ...request, requestId: "r".repeat(129) })).rejects.toMatchObject(
      {
        code: "invalid_argument",
        details: { field: "request_id", limit: 128, actual: 129 },
      },
    );
    await expect(registry.createDraft(ann, { ...request, requestId: "a\nb" })).rejects.toMatchObject({
      code: "invalid_argument",
      details: { field: "request_id" },
    });
    const ok = await registry.createDraft(ann, { ...request, requestId: "r".repeat(128) });
    expect(ok.revision.version).toBe("1");
  });

  // The compile worker writes every uploaded file into its scratch folder before the child starts (and its
  // time limit with it): a 32 MiB upload of a million tiny files held the compile slot for minutes.
  it("refuses an upload of too many files, or a path with a NUL byte or over 512 characters (invalid_input), and keeps serving", async () => {
    await open();
    const draft = await registry.createDraft(ann, {
      tenantId: T,
      extensionId: "deal-guard",
      kind: "process_hook",
      riskTier: "low",
    });
    const key = { tenantId: T, extensionId: "deal-guard", version: draft.revision.version };
    const upload = (files: typeof sources) =>
      registry.uploadSource(ann, { ...key, language: "assemblyscript", files, manifestJson: "{}" });
    const many = Array.from({ length: MAX_SOURCE_FILES + 1 }, (_, i) => ({
      path: `tests/t${i}.json`,
      contentBase64: "",
    }));
    await expect(upload(many)).rejects.toMatchObject({
      code: "invalid_argument",
      reason: "invalid_input",
      details: { field: "files", limit: MAX_SOURCE_FILES, actual: MAX_SOURCE_FILES + 1 },
    });
    for (const path of ["src/a\0b.ts", `src/${"a".repeat(510)}.ts`])
      await expect(upload([{ path, contentBase64: "" }])).rejects.toMatchObject({
        code: "invalid_argument",
        reason: "invalid_input",
      });
    const ok = await upload([...sources, ...many.slice(0, MAX_SOURCE_FILES - 1)]);
    expect(ok.revision.state).toBe("draft");
  });

  it("two concurrent CreateDrafts with one request_id make one draft, both answered with it", async () => {
    await open();
    const request = draftRequest;
    // A new extension, then an existing one (its next version).
    for (const [requestId, version] of [
      ["concurrent-1", "1"],
      ["concurrent-2", "2"],
    ]) {
      const results = await Promise.all(
        Array.from({ length: 4 }, () => registry.createDraft(ann, { ...request, requestId })),
      );
      expect(new Set(results.map((r) => r.revision.version))).toEqual(new Set([version]));
    }
    const { revisions } = await registry.listVersions(ann, { tenantId: T, extensionId: "deal-guard" });
    expect(revisions).toHaveLength(2);
  });

  it("two approvals at once cannot double-promote: exactly one transition, the other failed_precondition", async () => {
    await open();
    const key = await compiled(ann, "medium");
    await registry.requestPromotion(ann, { ...key, env: "dev" });
    const results = await Promise.allSettled([
      registry.approve(bob, { ...key, env: "dev", comment: "bob" }),
      registry.approve(cat, { ...key, env: "dev", comment: "cat" }),
    ]);
    const ok = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]?.reason).toMatchObject({ code: "failed_precondition" });
    const events = await registry.listEvents(ann, { ...key });
    expect(events.events.filter((e) => e.type === "version_promoted")).toHaveLength(1);
    expect(events.events.filter((e) => e.type === "approved")).toHaveLength(1);
  });

  // Regression: the environments a write changed were one set shared by every transaction, cleared when
  // one began; a write that began while another was between its deployment change and its commit (two
  // transactions at once, PostgreSQL) emptied the other's, whose environment was never published.
  it("publishes the environment of each of two writes at once (one set of changed environments per write)", async () => {
    await open();
    const key = await compiled(ann, "low");
    await registry.requestPromotion(ann, { ...key, env: "staging" });
    await registry.approve(bob, { ...key, env: "staging" });
    await registry.idle();
    changes.length = 0;
    // The dev pin, after its change and before its commit, waits until the staging pin's transaction has
    // begun (at most 500 ms: SQLite runs one transaction at a time).
    let armed = () => {};
    const devChanged = new Promise<void>((resolve) => {
      armed = resolve;
    });
    let began = () => {};
    const otherBegan = new Promise<void>((resolve) => {
      began = resolve;
    });
    let waiting = false;
    const inner = store;
    const gated: RegistryStore = {
      backend: inner.backend,
      schemaVersion: inner.schemaVersion,
      close: () => inner.close(),
      transaction: (fn) =>
        inner.transaction((tx) => {
          if (waiting) began();
          let mine = false;
          return fn({
            ...tx,
            setPin: async (pin) => {
              mine = pin.env === "dev";
              await tx.setPin(pin);
              if (mine) {
                waiting = true;
                armed();
              }
            },
            listPins: async (...args) => {
              if (mine) await Promise.race([otherBegan, new Promise((r) => setTimeout(r, 500))]);
              return tx.listPins(...args);
            },
          } satisfies RegistryTx);
        }),
    };
    registry = createRegistry({
      store: gated,
      onDeploymentChange: async (env) => {
        changes.push(env);
      },
    });
    const pin = (env: Env, consumerRef: string) =>
      registry.pin(ann, { tenantId: T, extensionId: key.extensionId, env, consumerRef, version: "1" });
    const dev = pin("dev", "process:a");
    await devChanged;
    await Promise.all([dev, pin("staging", "process:b")]);
    await registry.idle();
    expect([...new Set(changes)].sort()).toEqual(["dev", "staging"]);
  });
});
