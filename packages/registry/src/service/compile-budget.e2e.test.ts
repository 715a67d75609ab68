import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createRegistryClient } from "@ameide-ext/cli";
import { ExtensionKind, type ExtensionService, RiskTier, SourceLanguage } from "@ameide-ext/proto";
import type { Client } from "@connectrpc/connect";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkRegistryConfig } from "./registry-config.js";
import { type RunningRegistry, startRegistry } from "./start-registry.js";

// The two red-team findings of the hardening slice, through a registry server the test starts, over
// Connect: compiles are rate-limited per caller (compile_rate), and read_only is the registry's word.

const AGENT = "agent-token-0123456789";
const ANN = "ann-token-01234567890";
const CRM = "ameide.crm.v1.CustomerService";
const broken = [{ path: "src/index.ts", content: new TextEncoder().encode("this is not a hook {") }];

describe("startRegistry(): compile_budget and read_only_host_methods of its config file, over the wire", () => {
  let work: string;
  let running: RunningRegistry;
  const logged: Array<Record<string, unknown>> = [];
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-registry-budget-"));
    const config = checkRegistryConfig(
      {
        database: "registry.db",
        listen: { port: 0 },
        modules: { root: "modules" },
        auth: {
          tokens: [
            { token: AGENT, identity: "agent:flood", tenants: ["acme"] },
            { token: ANN, identity: "user:ann", tenants: ["acme"] },
          ],
        },
        governance: { agents: { "agent:flood": { max_risk_tier: "medium" } } },
        compile_budget: { agents: { per_minute: 2, concurrent: 4 } },
        read_only_host_methods: { [CRM]: ["GetCustomer"] },
      },
      work,
    );
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split("\n")) if (line) logged.push(JSON.parse(line));
        done();
      },
    });
    running = await startRegistry({ config, logger: pino({ level: "info" }, sink) });
  });
  afterAll(async () => {
    await running?.close(100);
    await rm(work, { recursive: true, force: true });
  });

  async function draftWithBrokenSources(client: Client<typeof ExtensionService>, extensionId: string) {
    const made = await client.createDraft({
      tenantId: "acme",
      extensionId,
      kind: ExtensionKind.PROCESS_HOOK,
      riskTier: RiskTier.LOW,
    });
    const key = { tenantId: "acme", extensionId, version: made.revision?.definition?.version ?? "" };
    const upload = () =>
      client.uploadSource({
        ...key,
        language: SourceLanguage.ASSEMBLYSCRIPT,
        files: broken,
        manifestJson: "{}",
      });
    await upload();
    return { key, upload };
  }

  it("refuses a caller that compiles broken sources over and over (resource_exhausted, compile_rate, a retry-after), logs it, and another caller's compile still runs", async () => {
    const agent = createRegistryClient({ url: running.url, token: AGENT });
    const ann = createRegistryClient({ url: running.url, token: ANN });
    const flood = await draftWithBrokenSources(agent, "flood");
    const failed = async (client: Client<typeof ExtensionService>, key: typeof flood.key) => {
      await running.registry.idle();
      const got = await client.getExtension(key);
      return got.revision?.compileResult?.status;
    };
    for (let i = 0; i < 2; i++) {
      if (i > 0) await flood.upload(); // a failed version takes new sources, then compiles again
      await agent.requestCompile(flood.key);
      expect(await failed(agent, flood.key)).toBe(3); // FAILED
    }
    await flood.upload();
    await expect(agent.requestCompile(flood.key)).rejects.toMatchObject({
      code: "resource_exhausted",
      details: {
        rule: "compile_rate",
        caller: "agent:flood",
        per: "minute",
        limit: 2,
        retryAfterSeconds: expect.any(Number),
      },
    });
    expect(logged).toContainEqual(
      expect.objectContaining({ event: "compile_refused", caller: "agent:flood", refused_total: 1 }),
    );
    // Refused before any work: the version is a draft again, not compiling.
    expect((await agent.getExtension(flood.key)).revision?.compileResult?.status ?? 0).toBe(0);
    // Another caller's compile is taken and runs to its result.
    const mine = await draftWithBrokenSources(ann, "mine");
    await ann.requestCompile(mine.key);
    expect(await failed(ann, mine.key)).toBe(3);
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
  }, 60_000);

  it("refuses an agent's manifest marking a write method read_only (failed_precondition, host_call_not_read_only); a listed method passes", async () => {
    const agent = createRegistryClient({ url: running.url, token: AGENT });
    const made = await agent.createDraft({
      tenantId: "acme",
      extensionId: "crm-writer",
      kind: ExtensionKind.AGENT_TOOL,
      riskTier: RiskTier.MEDIUM,
      hostCalls: [{ service: CRM, method: "UpdateCustomer" }],
    });
    const key = {
      tenantId: "acme",
      extensionId: "crm-writer",
      version: made.revision?.definition?.version ?? "",
    };
    const upload = (method: string) =>
      agent.uploadSource({
        ...key,
        language: SourceLanguage.ASSEMBLYSCRIPT,
        files: broken,
        manifestJson: JSON.stringify({
          risk_tier: "medium",
          host_calls: [{ service: CRM, method, read_only: true }],
        }),
      });
    await expect(upload("UpdateCustomer")).rejects.toMatchObject({
      code: "failed_precondition",
      details: {
        rule: "host_call_not_read_only",
        service: CRM,
        method: "UpdateCustomer",
        fix: expect.any(String),
      },
    });
    await expect(upload("GetCustomer")).resolves.toBeDefined();
  }, 60_000);
});
