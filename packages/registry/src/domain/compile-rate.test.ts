import { afterEach, describe, expect, it } from "vitest";
import { openRegistryStore } from "../store/open-registry-store.js";
import type { RegistryStore } from "../store/registry-store.js";
import { succeededCompile } from "../testing/succeeded-compile.js";
import type { CompileRefusal } from "./compile-budget.js";
import { createRegistry } from "./create-registry.js";
import type { Caller, CompileOutcome, Registry, VersionKey } from "./registry.js";
import type { RevisionRecord } from "./types.js";

// Red-team finding: compiles were not rate-limited (agent_rate counts versions), so a caller uploading
// broken sources over and over kept the shared compile worker busy for every tenant.

const T = "acme";
const bot: Caller = { actor: "agent:flood", tenants: [T] };
const ann: Caller = { actor: "user:ann", tenants: [T] };
const sources = [{ path: "src/index.ts", contentBase64: Buffer.from("export {}").toString("base64") }];

describe("the compile budget per caller (compile_rate)", () => {
  let store: RegistryStore;
  let registry: Registry;
  let clock: number;
  let started: string[];
  let refusals: CompileRefusal[];
  const gates = new Map<string, () => void>();
  afterEach(async () => {
    for (const open of gates.values()) open();
    await registry?.idle();
    await store?.close();
  });

  /** A compiler whose compiles of `held` extensions wait until the test opens their gate. */
  async function open(held: string[]) {
    store = await openRegistryStore(":memory:");
    clock = Date.parse("2026-03-01T10:00:00.000Z");
    started = [];
    refusals = [];
    registry = createRegistry({
      store,
      now: () => new Date(clock),
      compiler: async (rev: RevisionRecord): Promise<CompileOutcome> => {
        started.push(`${rev.extensionId}/${rev.version}`);
        if (held.includes(rev.extensionId))
          await new Promise<void>((resolve) => gates.set(rev.extensionId, resolve));
        return succeededCompile();
      },
      compileBudget: { agents: { perMinute: 3, concurrent: 1 } },
      onCompileRefused: (r) => refusals.push(r),
    });
  }

  async function draftWithSources(by: Caller, id: string): Promise<VersionKey> {
    const d = await registry.createDraft(by, {
      tenantId: T,
      extensionId: id,
      kind: "process_hook",
      riskTier: "low",
    });
    const key = { tenantId: T, extensionId: id, version: d.revision.version };
    await registry.uploadSource(by, {
      ...key,
      language: "assemblyscript",
      files: sources,
      manifestJson: "{}",
    });
    return key;
  }

  it("refuses a flooding agent's second compile while its first runs, before any work; another caller's compile still runs", async () => {
    await open(["flood-1"]);
    const first = await draftWithSources(bot, "flood-1");
    const second = await draftWithSources(bot, "flood-2");
    const mine = await draftWithSources(ann, "human-hook");
    await registry.requestCompile(bot, first);
    const refused = await registry.requestCompile(bot, second).catch((e: unknown) => e);
    expect(refused).toMatchObject({
      code: "resource_exhausted",
      details: {
        rule: "compile_rate",
        caller: "agent:flood",
        per: "concurrent",
        limit: 1,
        retryAfterSeconds: 5,
      },
    });
    // Refused before any work: the version is not marked compiling, no event, nothing queued.
    const got = await registry.get(bot, second);
    expect(got.revision.revision.compile).toBeUndefined();
    expect(got.revision.events.map((e) => e.type)).not.toContain("compile_requested");
    // Another caller's compile runs and ends while the flooder's is still held.
    await registry.requestCompile(ann, mine);
    await expect
      .poll(async () => (await registry.get(ann, mine)).revision.revision.compile?.status)
      .toBe("succeeded");
    expect(started).toEqual(["flood-1/1", "human-hook/1"]);
    expect(refusals).toEqual([{ caller: "agent:flood", per: "concurrent", limit: 1, refusedTotal: 1 }]);
    // Once its compile ends, the agent compiles again.
    gates.get("flood-1")?.();
    await registry.idle();
    await registry.requestCompile(bot, second);
    await registry.idle();
    expect(started).toContain("flood-2/1");
  });

  it("refuses an agent's compiles past its number per minute, with a retry-after; a minute later it compiles again", async () => {
    await open([]);
    const keys: VersionKey[] = [];
    for (let i = 0; i < 4; i++) keys.push(await draftWithSources(bot, `broken-${i}`));
    for (const key of keys.slice(0, 3)) {
      await registry.requestCompile(bot, key);
      await registry.idle();
      clock += 1_000;
    }
    const refused = await registry.requestCompile(bot, keys[3] as VersionKey).catch((e: unknown) => e);
    expect(refused).toMatchObject({
      code: "resource_exhausted",
      details: { rule: "compile_rate", per: "minute", limit: 3, actual: 3, retryAfterSeconds: 57 },
    });
    clock += 57_000;
    expect((await registry.requestCompile(bot, keys[3] as VersionKey)).revision.compile?.status).toBe(
      "pending",
    );
  });

  it("does not count a RequestCompile the rules refuse (no sources): the caller keeps its budget", async () => {
    await open([]);
    for (let i = 0; i < 4; i++) {
      const d = await registry.createDraft(bot, {
        tenantId: T,
        extensionId: `empty-${i}`,
        kind: "process_hook",
        riskTier: "low",
      });
      await expect(
        registry.requestCompile(bot, { tenantId: T, extensionId: `empty-${i}`, version: d.revision.version }),
      ).rejects.toMatchObject({ details: { rule: "no_sources" } });
    }
    const key = await draftWithSources(bot, "real");
    await registry.requestCompile(bot, key);
    await registry.idle();
    expect(started).toEqual(["real/1"]);
  });
});
