import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRegistryClient } from "@ameide-ext/cli";
import { Environment, ExtensionKind, RiskTier } from "@ameide-ext/proto";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistry } from "../domain/create-registry.js";
import type { Caller } from "../domain/registry.js";
import { openRegistryStore } from "../store/open-registry-store.js";
import { hookRevision } from "../testing/hook-revision.js";
import { checkRegistryConfig } from "./registry-config.js";
import { startRegistry } from "./start-registry.js";

const ann: Caller = { actor: "user:ann", tenants: ["acme"] };

describe("startRegistry().close()", () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-registry-close-"));
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("cancels a compile in flight after its grace period instead of waiting for it (regression: close waited for every compile)", async () => {
    const config = checkRegistryConfig(
      {
        database: "registry.db",
        listen: { port: 0 },
        modules: { root: "modules" },
        auth: { tokens: [{ token: "t".repeat(24), identity: ann.actor, tenants: ["acme"] }] },
      },
      work,
    );
    const running = await startRegistry({ config, logger: pino({ level: "silent" }) });
    const rev = await hookRevision(join(work, "hook"), "process_hook");
    const draft = await running.registry.createDraft(ann, {
      tenantId: "acme",
      extensionId: "deal-guard",
      kind: "process_hook",
      riskTier: "low",
    });
    const key = { tenantId: "acme", extensionId: "deal-guard", version: draft.revision.version };
    await running.registry.uploadSource(ann, {
      ...key,
      language: "assemblyscript",
      files: rev.sources,
      manifestJson: rev.manifestJson,
    });
    await running.registry.requestCompile(ann, key);

    const started = performance.now();
    const clean = await running.close(100);
    const tookMs = performance.now() - started;
    // The bound is the grace (100 ms) + CANCEL_WRITE_MS (1 s); a compile alone takes seconds.
    expect(tookMs, `close took ${Math.round(tookMs)} ms`).toBeLessThan(1100 + 500);
    expect(clean).toBe(false);

    // The cut-short compile is on record, and the version stays a draft that may compile again.
    const store = await openRegistryStore(join(work, "registry.db"));
    try {
      const { revision: view } = await createRegistry({ store }).get(ann, key);
      const revision = view.revision;
      expect(revision.state).toBe("draft");
      expect(revision.compile).toMatchObject({
        status: "failed",
        diagnostics: [expect.objectContaining({ reason: "shutting_down" })],
      });
      // The audit log says why.
      expect(view.events.at(-1)).toMatchObject({
        type: "compile_failed",
        actor: "system:compile-worker",
        data: { reason: "shutting_down" },
      });
    } finally {
      await store.close();
    }
  }, 60_000);
});

describe("startRegistry(): the guardrails per agent of its config file, over the wire", () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-registry-guard-"));
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("refuses an agent's tier, environment and rate as its governance.agents entry says, with the rule and the fix; then still serves", async () => {
    const token = "agent-token-0123456789";
    const config = checkRegistryConfig(
      {
        database: "registry.db",
        listen: { port: 0 },
        modules: { root: "modules" },
        auth: { tokens: [{ token, identity: "agent:l2o", tenants: ["acme"] }] },
        governance: {
          agents: { "agent:l2o": { max_risk_tier: "medium", environments: ["dev"], versions_per_hour: 1 } },
        },
      },
      work,
    );
    const running = await startRegistry({ config, logger: pino({ level: "silent" }) });
    try {
      const client = createRegistryClient({ url: running.url, token });
      const draft = (riskTier: RiskTier) =>
        client.createDraft({
          tenantId: "acme",
          extensionId: "x-rule",
          kind: ExtensionKind.PROCESS_HOOK,
          riskTier,
        });
      await expect(draft(RiskTier.HIGH)).rejects.toMatchObject({
        code: "permission_denied",
        details: { rule: "agent_risk_tier", limit: "medium", fix: expect.any(String) },
      });
      const made = await draft(RiskTier.MEDIUM);
      await expect(
        client.requestPromotion({
          tenantId: "acme",
          extensionId: "x-rule",
          version: made.revision?.definition?.version ?? "",
          targetEnv: Environment.STAGING,
        }),
      ).rejects.toMatchObject({
        code: "permission_denied",
        details: { rule: "agent_environment", allowed: ["dev"] },
      });
      await expect(draft(RiskTier.LOW)).rejects.toMatchObject({
        code: "resource_exhausted",
        details: { rule: "agent_rate", limit: 1, actual: 1 },
      });
      expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
    } finally {
      await running.close(100);
    }
  }, 60_000);
});
