import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sloOfManifest } from "../catalog/create-catalog-publisher.js";
import type { RegistryStore } from "../store/registry-store.js";
import { STORE_BACKENDS } from "../testing/store-backends.js";
import { createRegistry } from "./create-registry.js";
import type { Caller, Registry } from "./registry.js";

const T = "acme";
const ann: Caller = { actor: "user:ann", tenants: [T] };
const runtime: Caller = { actor: "service:runtime-dev", tenants: [T] };
const otherRuntime: Caller = { actor: "service:runtime-globex", tenants: ["globex"] };
const sha = "e".repeat(64);

describe.each(STORE_BACKENDS)("RollbackOnSlo on $name", (backend) => {
  let store: RegistryStore;
  let registry: Registry;
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  afterEach(async () => {
    await registry?.idle();
    await store?.close();
  });

  /** Versions 1 and 2 of deal-guard promoted to dev (2 active). */
  async function open() {
    store = await backend.open();
    registry = createRegistry({
      store,
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
    for (let v = 1; v <= 2; v++) {
      const d = await registry.createDraft(ann, {
        tenantId: T,
        extensionId: "deal-guard",
        kind: "process_hook",
        riskTier: "low",
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
    }
  }
  const report = {
    tenantId: T,
    extensionId: "deal-guard",
    env: "dev" as const,
    version: "2",
    slo: "error_rate 0.01, window 1h",
    burnRate: 25,
  };

  it("rolls the environment back from the burning version, with an event naming the SLO; a second report changes nothing", async () => {
    await open();
    const first = await registry.rollbackOnSlo(runtime, report);
    expect(first.rolledBack).toBe(true);
    expect(first.extension.deployments.find((d) => d.env === "dev")?.activeVersion).toBe("1");
    const events = (await registry.listEvents(ann, { tenantId: T, extensionId: "deal-guard" })).events;
    expect(events.at(-1)).toMatchObject({
      type: "rolled_back",
      actor: "service:runtime-dev",
      env: "dev",
      version: "1",
      previousVersion: "2",
      data: { slo: "error_rate 0.01, window 1h", burnRate: 25, burningVersion: "2" },
    });
    expect(events.at(-1)?.comment).toContain("SLO error_rate 0.01, window 1h");
    // Another replica reports the same burn: v2 is no longer active, nothing happens.
    const second = await registry.rollbackOnSlo(runtime, report);
    expect(second.rolledBack).toBe(false);
    expect(second.extension.deployments.find((d) => d.env === "dev")?.activeVersion).toBe("1");
  });

  it("is for services only, of the tenant; refuses a report without its SLO", async () => {
    await open();
    await expect(registry.rollbackOnSlo(ann, report)).rejects.toMatchObject({
      code: "permission_denied",
      details: { rule: "service_scope" },
    });
    await expect(registry.rollbackOnSlo(otherRuntime, report)).rejects.toMatchObject({
      code: "permission_denied",
      details: { rule: "tenant_access" },
    });
    await expect(registry.rollbackOnSlo(runtime, { ...report, slo: " " })).rejects.toMatchObject({
      code: "invalid_argument",
    });
    await expect(registry.rollbackOnSlo(runtime, { ...report, burnRate: Number.NaN })).rejects.toMatchObject({
      code: "invalid_argument",
    });
    // Nothing changed, and the registry still serves.
    const ext = (await registry.get(ann, { tenantId: T, extensionId: "deal-guard" })).extension;
    expect(ext.deployments.find((d) => d.env === "dev")?.activeVersion).toBe("2");
  });
});

describe("sloOfManifest()", () => {
  it("takes the manifest's slo as the catalog writes it", () => {
    expect(
      sloOfManifest(
        JSON.stringify({ slo: { error_rate: 0.01, p99_ms: 20, window: "1h", auto_rollback: true } }),
      ),
    ).toEqual({
      error_rate: 0.01,
      p99_ms: 20,
      window: "1h",
      auto_rollback: true,
    });
    expect(sloOfManifest("{}")).toBeUndefined();
  });

  it("drops an slo the catalog would refuse, so one manifest cannot stop a catalog", () => {
    for (const slo of [
      { error_rate: 2 },
      { error_rate: 0.01, window: "1w" },
      { error_rate: 0.01, window: "9999d" },
      { error_rate: 0.01, p99_ms: 1.5 },
      { error_rate: 0.01, auto_rollback: "yes" },
      "fast",
    ])
      expect(sloOfManifest(JSON.stringify({ slo })), JSON.stringify(slo)).toBeUndefined();
    expect(sloOfManifest("not json")).toBeUndefined();
  });
});
