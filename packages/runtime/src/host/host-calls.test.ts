import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Outcome } from "@ameide-ext/proto";
import { CrmService } from "@ameide-ext/proto/testing";
import { createLocalJWKSet, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CatalogFile } from "../catalog/catalog-schema.js";
import { createCatalog } from "../catalog/parse-catalog.js";
import { createRuntime, type Runtime } from "../service/create-runtime.js";
import {
  buildTestHook,
  type CrmServiceHandle,
  captureLogger,
  invokeRequest,
  startCrmService,
  writeModule,
} from "../testing/service-fixtures.js";

const CRM = CrmService.typeName;
const decoder = new TextDecoder();

interface CallResult {
  ok: boolean;
  code: string;
  message: string;
  payload: Record<string, unknown> | null;
}

describe("governed host calls", () => {
  let dir: string;
  let runtime: Runtime;
  let crm: CrmServiceHandle;

  const call = async (
    extensionId: string,
    calls: Array<{ service?: string; method: string; request?: unknown }>,
    tenantId = "acme",
  ) => {
    const res = await runtime.invokeExtension(
      invokeRequest({
        extensionId,
        tenantId,
        input: { calls: calls.map((c) => ({ service: CRM, request: {}, ...c })) },
        ctx: { orgId: "emea", userId: "u-1", actorType: "USER", correlationId: "corr-1", sessionId: "s-1" },
      }),
    );
    const results =
      res.outcome === Outcome.OK
        ? (JSON.parse(decoder.decode(res.outputJson)) as { results: CallResult[] }).results
        : [];
    return { res, results, text: decoder.decode(res.outputJson) };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-hostcalls-"));
    const hook = await buildTestHook("caller");
    // Each tenant's entry points at a module under its own prefix (the catalog refuses anything else).
    const refs: Record<string, string> = {};
    for (const tenant of ["acme", "globex"]) refs[tenant] = await writeModule(dir, "caller", hook, tenant);
    const read = { service: CRM, method: "GetCustomer", read_only: true };
    const write = { service: CRM, method: "UpdateCreditLimit" };
    const entry = (tenant: string, id: string, tier: "low" | "medium" | "high", extra: object = {}) => ({
      tenant_id: tenant,
      extension_id: id,
      version: "1",
      kind: "domain_hook" as const,
      risk_tier: tier,
      wasm_blob_ref: refs[tenant] as string,
      limits: { timeout_ms: 2_000 },
      ...extra,
    });
    crm = await startCrmService((header, token) => createLocalJWKSet(runtime.jwks)(header, token));
    const file: CatalogFile = {
      env: "dev",
      extensions: [
        entry("acme", "reader", "medium", { host_calls: [read] }),
        entry("globex", "reader", "medium", { host_calls: [read] }),
        entry("acme", "pure", "low"),
        entry("acme", "writer", "high", {
          host_calls: [read, write],
          limits: { timeout_ms: 2_000, host_calls_per_invocation: 2 },
        }),
        entry("acme", "slow", "medium", { host_calls: [read], limits: { timeout_ms: 150 } }),
        entry("acme", "lost", "medium", {
          host_calls: [{ service: "ameide.testing.v1.MissingService", method: "Get", read_only: true }],
        }),
      ],
      host_services: { [CRM]: { url: crm.url } },
      runtime: { preload: false, pool: { size: 1 } },
    };
    runtime = await createRuntime({
      catalog: createCatalog(file),
      logger: captureLogger().logger,
      defaultMetrics: false,
    });
  });
  afterAll(async () => {
    await runtime?.close();
    await crm?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("calls the service with a short-lived token built from the invocation's context, which the guest never sees", async () => {
    const { res, results, text } = await call("reader", [
      { method: "GetCustomer", request: { customerId: "c-1" } },
    ]);
    expect(res.outcome).toBe(Outcome.OK);
    expect(results[0]).toMatchObject({
      ok: true,
      payload: { customerId: "c-1", tenantId: "acme", seenUserId: "u-1" },
    });
    const claims = crm.calls.at(-1)?.claims;
    expect(claims).toMatchObject({
      iss: "ameide-ext-runtime",
      aud: CRM,
      tenant_id: "acme",
      org_id: "emea",
      user_id: "u-1",
      actor_type: "USER",
      scopes: [`${CRM}/GetCustomer`],
      extension_id: "reader",
      extension_version: "1",
      correlation_id: "corr-1",
    });
    expect((claims?.exp as number) - (claims?.iat as number)).toBeLessThanOrEqual(60);
    expect(text).not.toMatch(/eyJ[\w-]+\.eyJ/); // no JWT reaches the guest's output
    expect(res.stats?.hostCalls).toBe(1);
  });

  it("lets the domain refuse another tenant's row, as row-level security would", async () => {
    const theirs = await call("reader", [{ method: "GetCustomer", request: { customerId: "c-2" } }]);
    expect(theirs.results[0]).toMatchObject({ ok: false, code: "not_found" });
    const own = await call("reader", [{ method: "GetCustomer", request: { customerId: "c-2" } }], "globex");
    expect(own.results[0]).toMatchObject({ ok: true, payload: { tenantId: "globex" } });
    expect(crm.calls.at(-1)?.claims.tenant_id).toBe("globex");
  });

  it("is a real check: the service refuses calls without the runtime's token", async () => {
    const refusedBefore = crm.refused;
    const anonymous = await fetch(`${crm.url}/${CRM}/GetCustomer`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ customerId: "c-1" }),
    });
    expect((await anonymous.json()).code).toBe("unauthenticated");
    const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    const forged = await new SignJWT({ tenant_id: "globex", user_id: "x", scopes: [`${CRM}/GetCustomer`] })
      .setProtectedHeader({ alg: "EdDSA", kid: runtime.jwks.keys[0]?.kid as string })
      .setIssuer("ameide-ext-runtime")
      .setAudience(CRM)
      .setIssuedAt()
      .setExpirationTime("30s")
      .sign(privateKey);
    const res = await fetch(`${crm.url}/${CRM}/GetCustomer`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${forged}` },
      body: JSON.stringify({ customerId: "c-2" }),
    });
    expect((await res.json()).code).toBe("unauthenticated");
    expect(crm.refused).toBe(refusedBefore + 2);
  });

  it("refuses by risk tier and allowlist before the service is reached", async () => {
    const before = crm.calls.length;
    const low = await call("pure", [{ method: "GetCustomer", request: { customerId: "c-1" } }]);
    expect([low.res.errorCode, low.res.errorReason]).toEqual(["permission_denied", "host_call_denied"]);
    const notAllowed = await call("reader", [
      { method: "UpdateCreditLimit", request: { customerId: "c-1" } },
    ]);
    expect([notAllowed.res.errorCode, notAllowed.res.errorReason]).toEqual([
      "permission_denied",
      "host_call_denied",
    ]);
    const tooMany = await call("reader", [
      { method: "GetCustomer", request: { customerId: "c-1" } },
      { method: "GetCustomer", request: { customerId: "c-1" } },
    ]);
    expect([tooMany.res.errorCode, tooMany.res.errorReason]).toEqual([
      "resource_exhausted",
      "host_call_limit",
    ]);
    expect(crm.calls.length).toBe(before + 1); // only the first call of the last invocation went out
    const high = await call("writer", [
      { method: "UpdateCreditLimit", request: { customerId: "c-1", creditLimit: 5000 } },
    ]);
    expect(high.results[0]).toMatchObject({ ok: true, payload: { creditLimit: 5000 } });
  });

  it("counts host-call time against the invocation's timeout", async () => {
    const started = performance.now();
    const { res, results } = await call("slow", [
      { method: "GetCustomer", request: { customerId: "c-1", delayMs: 1500 } },
    ]);
    const elapsed = performance.now() - started;
    // The call is cut at the invocation's deadline (150 ms): the guest sees deadline_exceeded, or the invocation ends with it.
    if (res.outcome === Outcome.OK) expect(results[0]?.code).toBe("deadline_exceeded");
    else expect(res.errorCode).toBe("deadline_exceeded");
    expect(elapsed).toBeLessThan(1000);
  });

  it("gives the guest unavailable when no endpoint is configured for the service", async () => {
    const { results } = await call("lost", [{ service: "ameide.testing.v1.MissingService", method: "Get" }]);
    expect(results[0]).toMatchObject({ ok: false, code: "unavailable" });
    expect(await runtime.metrics.render()).toMatch(
      /ameide_ext_host_calls_total\{service="ameide.testing.v1.CrmService",method="GetCustomer",code="ok"\} \d+/,
    );
  });
});
