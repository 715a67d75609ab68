// Issue #16, many replicas on one machine: s3rver, the registry on PostgreSQL publishing dev's catalog
// to the bucket, and three runtime processes watching it. A promotion and a rollback reach all three
// within the poll interval; one runtime killed under load costs the SDK client (given the three
// endpoints) no invocation beyond a retryable `unavailable`.
import type { ExtensionError } from "@ameide-ext/contract";
import { createRuntimeClient, type RuntimeClient, userContext } from "@ameide-ext/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ReplicaStack, STACK_EXTENSION, startReplicaStack } from "./testing/replica-stack.js";

const POLL_MS = 200;
const JITTER_MS = 50;
/** What a busy 2-core machine may add to a poll: the GET, the parse, the event loop. */
const SLACK_MS = 750;
/**
 * s3rver (unlike S3 and MinIO) rewrites an object in place: a poll racing the registry's PUT may
 * read it short and wait for the rest until the stack's fetch timeout (2 s), then the next poll
 * reads it whole. A replica whose poll so failed (it logged catalog_fetch_failed) gets that long
 * and one more poll.
 */
const TORN_READ_MS = 2_000 + POLL_MS + JITTER_MS;
const ctx = userContext({ tenantId: STACK_EXTENSION.tenantId, userId: "u-1" });
const deal = { dealId: "D-1", amount: 30_000, marginPct: 5 };

describe("three runtime replicas on one catalog in object storage", () => {
  let stack: ReplicaStack;
  let clients: RuntimeClient[];
  const versions: string[] = [];

  // Serving is checked once every replica logged the catalog (logs are flushed in batches), so the
  // serving figures are upper bounds; `npm run bench:replicas` measures serving alone.
  beforeAll(async () => {
    stack = await startReplicaStack({ replicas: 3, pollIntervalMs: POLL_MS, pollJitterMs: JITTER_MS });
    clients = stack.urls.map((baseUrl) => createRuntimeClient({ baseUrl, retry: { attempts: 1 } }));
  });
  afterAll(async () => {
    for (const c of clients ?? []) c.close();
    await stack?.close();
  });

  /** When replica `i` put in force a catalog after `since` (its `catalog_loaded` line). */
  const catalogLoadedAt = async (i: number, since: number) => {
    const line = await (stack.runtimes[i] as ReplicaStack["runtimes"][number]).waitForLog(
      (l) => l.event === "catalog_loaded" && Date.parse(String(l.time)) >= since,
      10_000,
    );
    return Date.parse(String(line.time));
  };
  /** Asks replica `i` until it answers with `version`; resolves with when it first did. */
  const servingAt = async (i: number, version: string) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await (clients[i] as RuntimeClient)
        .invoke({ ...STACK_EXTENSION, ctx, input: deal })
        .catch((e: ExtensionError) => e);
      if ("resolvedVersion" in r && r.resolvedVersion === version) return Date.now();
      if (Date.now() > deadline)
        throw new Error(`replica ${i} never served version ${version}: ${String(r)}`);
      await new Promise((res) => setTimeout(res, 10));
    }
  };
  const reachesAll = async (publishedAt: number, version: string) => {
    const loaded = await Promise.all([0, 1, 2].map((i) => catalogLoadedAt(i, publishedAt - 5)));
    for (const [i, t] of loaded.entries()) {
      const torn = (stack.runtimes[i] as ReplicaStack["runtimes"][number]).logs.some((l) => {
        const at = Date.parse(String(l.time));
        return l.event === "catalog_fetch_failed" && at >= publishedAt - 5 && at <= t;
      });
      expect(t - publishedAt).toBeLessThanOrEqual(POLL_MS + JITTER_MS + SLACK_MS + (torn ? TORN_READ_MS : 0));
    }
    const serving = await Promise.all([0, 1, 2].map((i) => servingAt(i, version)));
    return { loaded: loaded.map((t) => t - publishedAt), serving: serving.map((t) => t - publishedAt) };
  };

  it("a promotion reaches all three within the poll interval, and each serves it", async () => {
    const first = await stack.shipVersion();
    versions.push(first.version);
    await reachesAll(first.publishedAt, first.version);
    const second = await stack.shipVersion();
    versions.push(second.version);
    const reached = await reachesAll(second.publishedAt, second.version);
    console.log(
      `promotion → catalog in force on each replica: ${reached.loaded.join(", ")} ms; serving: ${reached.serving.join(", ")} ms`,
    );
  }, 240_000); // two real compiles (AssemblyScript, in the registry's compile child)

  it("a rollback reaches all three within the poll interval", async () => {
    const back = await stack.switchTo(versions[0] as string);
    const reached = await reachesAll(back.publishedAt, versions[0] as string);
    console.log(
      `rollback → catalog in force on each replica: ${reached.loaded.join(", ")} ms; serving: ${reached.serving.join(", ")} ms`,
    );
  });

  it("one runtime killed under load: the client with the three endpoints loses nothing beyond a retryable unavailable", async () => {
    const client = createRuntimeClient({ baseUrls: stack.urls, timeoutMs: 5_000 });
    const outcomes = { ok: 0, other: 0, unavailable: 0, wrongVersion: 0 };
    const failures: ExtensionError[] = [];
    let stop = false;
    const worker = async () => {
      while (!stop) {
        try {
          const r = await client.invoke({ ...STACK_EXTENSION, ctx, input: deal });
          if (r.outcome === "ok") outcomes.ok++;
          else outcomes.other++;
          if (r.resolvedVersion !== versions[0]) outcomes.wrongVersion++;
        } catch (cause) {
          const err = cause as ExtensionError;
          failures.push(err);
          if (err.code === "unavailable") outcomes.unavailable++;
          else outcomes.other++;
        }
      }
    };
    const workers = Array.from({ length: 8 }, () => worker());
    await new Promise((r) => setTimeout(r, 1_000));
    const okBeforeKill = outcomes.ok;
    const victim = stack.runtimes[2] as ReplicaStack["runtimes"][number];
    await victim.stop("SIGKILL");
    await new Promise((r) => setTimeout(r, 2_000));
    stop = true;
    await Promise.all(workers);
    client.close();
    console.log(
      `kill under load: ${JSON.stringify(outcomes)}; failures: ${failures.map((f) => `${f.code}/${f.reason ?? ""}`).join(", ")}`,
    );
    expect(okBeforeKill).toBeGreaterThan(0);
    expect(outcomes.ok - okBeforeKill).toBeGreaterThan(0); // the two left kept serving
    expect(outcomes.other).toBe(0);
    expect(outcomes.wrongVersion).toBe(0);
    for (const f of failures) expect(f.code).toBe("unavailable");
  });
});
