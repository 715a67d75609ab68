import { ERROR_DETAILS_HEADER } from "@ameide-ext/contract";
import {
  Environment,
  ExtensionEventType,
  ExtensionKind,
  ExtensionService,
  RiskTier,
  SourceLanguage,
} from "@ameide-ext/proto";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { afterEach, describe, expect, it } from "vitest";
import { createRegistry } from "../domain/create-registry.js";
import { openRegistryStore } from "../store/open-registry-store.js";
import type { RegistryStore } from "../store/registry-store.js";
import { createAuthenticator } from "./create-authenticator.js";
import { registryRoutes } from "./registry-routes.js";

const sha = "c".repeat(64);
const summary = "1 changes 2 of the last 40 recorded decisions";
const report = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    summary,
    against: "1",
    ...{ total: 40, replayed: 40, skipped: 0, changed: 2, new_errors: 0 },
    recorded_module_sha256s: [sha],
    generated_at: "2026-12-06T03:00:00.000Z",
    ...over,
  });

describe("AttachReplayReport over ExtensionService", () => {
  let store: RegistryStore;
  afterEach(() => store?.close());

  /** A registry requiring a replay report for dev + high, with version 1 of risk-score (high) compiled. */
  async function setUp() {
    store = await openRegistryStore(":memory:");
    const registry = createRegistry({
      store,
      governance: { replayRequired: { envs: ["dev"], riskTiers: ["high"] } },
      compiler: async (rev) => ({
        record: {
          status: "succeeded",
          toolchain: "t",
          diagnostics: [],
          tests: [],
          moduleBytes: 1,
          startedAt: "",
          finishedAt: "",
        },
        wasmBlobRef: `extensions/${rev.tenantId}/${rev.extensionId}/${rev.version}.wasm#sha256=${sha}`,
        sha256: sha,
      }),
    });
    const authenticate = createAuthenticator({
      tokens: [{ token: "ann-token-0123456789", identity: "user:ann", tenants: ["acme"] }],
    });
    const client = createClient(
      ExtensionService,
      createRouterTransport(registryRoutes(registry, authenticate)),
    );
    const headers = { authorization: "Bearer ann-token-0123456789" };
    const key = { tenantId: "acme", extensionId: "risk-score", version: "1" };
    await client.createDraft(
      { ...key, kind: ExtensionKind.AGENT_TOOL, riskTier: RiskTier.HIGH },
      { headers },
    );
    await client.uploadSource(
      {
        ...key,
        language: SourceLanguage.ASSEMBLYSCRIPT,
        files: [{ path: "src/index.ts", content: new TextEncoder().encode("x") }],
        manifestJson: "{}",
      },
      { headers },
    );
    await client.requestCompile(key, { headers });
    await registry.idle();
    return { client, headers, key };
  }

  const refusal = (p: Promise<unknown>) =>
    p.then(
      () => {
        throw new Error("expected a refusal");
      },
      (e: unknown) => ConnectError.from(e),
    );

  it("refuses the promotion without a report (replay_required), then shows the attached one and stores its summary on the event", async () => {
    const { client, headers, key } = await setUp();
    const refused = await refusal(
      client.requestPromotion({ ...key, targetEnv: Environment.DEV }, { headers }),
    );
    expect(refused.code).toBe(Code.FailedPrecondition);
    expect(JSON.parse(refused.metadata.get(ERROR_DETAILS_HEADER) ?? "{}")).toMatchObject({
      rule: "replay_required",
      fix: "ameide-ext replay --from runtime --extension risk-score --against 1 --attach --env dev",
    });
    const attached = await client.attachReplayReport(
      { ...key, env: Environment.DEV, reportJson: report() },
      { headers },
    );
    expect(attached.report).toMatchObject({ env: Environment.DEV, summary, attachedBy: "user:ann" });
    const promo = await client.requestPromotion({ ...key, targetEnv: Environment.DEV }, { headers });
    expect(promo.revision?.replayReports.map((r) => [r.env, r.summary, r.reportJson])).toEqual([
      [Environment.DEV, summary, report()],
    ]);
    const listed = await client.listVersions(
      { tenantId: key.tenantId, extensionId: key.extensionId },
      { headers },
    );
    expect(listed.revisions[0]?.replayReports[0]?.summary).toBe(summary);
    const events = await client.listEvents(
      { tenantId: key.tenantId, extensionId: key.extensionId },
      { headers },
    );
    const requested = events.events.find((e) => e.type === ExtensionEventType.PROMOTION_REQUESTED);
    expect(requested?.replaySummary).toBe(summary);
  });

  it("refuses an oversized or malformed report as invalid_argument, and still serves", async () => {
    const { client, headers, key } = await setUp();
    const big = await refusal(
      client.attachReplayReport(
        { ...key, env: Environment.DEV, reportJson: report({ differences: [{ note: "x".repeat(70_000) }] }) },
        { headers },
      ),
    );
    expect(big.code).toBe(Code.InvalidArgument);
    const bad = await refusal(
      client.attachReplayReport({ ...key, env: Environment.DEV, reportJson: "<script>" }, { headers }),
    );
    expect(bad.code).toBe(Code.InvalidArgument);
    const noEnv = await refusal(client.attachReplayReport({ ...key, reportJson: report() }, { headers }));
    expect(noEnv.code).toBe(Code.InvalidArgument);
    const ok = await client.attachReplayReport(
      { ...key, env: Environment.DEV, reportJson: report() },
      { headers },
    );
    expect(ok.report?.summary).toBe(summary);
  });
});
