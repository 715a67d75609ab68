/**
 * Many replicas on one machine (issue #16): s3rver, the registry on PostgreSQL publishing dev's
 * catalog to the bucket, and three runtime processes polling it (testing/replica-stack.ts of
 * @ameide-ext/registry). It prints:
 * - promotion → every replica serving it: after each of N switches of dev's active version (a
 *   rollback in the registry's terms, which rewrites the catalog object), the time from the
 *   registry's write of the pointer to the first answer of the new version from each replica
 *   (each replica asked every 5 ms), p50 and max over the N switches;
 * - throughput of the three replicas against one, same run, same processes: a closed loop of
 *   SDK invocations for `--seconds`, with `baseUrls` naming one replica, then all three
 *   (twice each, alternating, so drift in the machine's load falls on both).
 *
 *   npm run bench:replicas --workspace @ameide-ext/bench [-- --promotions=16 --poll-ms=200 --jitter-ms=50 --seconds=5 --clients=16]
 *
 * Exit codes: 0 the run completed; 1 it failed (a replica never served a version, a wrong answer).
 */

import { cpus, loadavg } from "node:os";
import { STACK_EXTENSION, startReplicaStack } from "@ameide-ext/registry/testing/replicas";
import { createRuntimeClient, type RuntimeClient, userContext } from "@ameide-ext/sdk";
import { median } from "./median.js";

const arg = (name: string, fallback: number): number => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  const n = hit === undefined ? fallback : Number(hit.slice(name.length + 3));
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
  return n;
};
const promotions = arg("promotions", 16);
const pollMs = arg("poll-ms", 200);
const jitterMs = arg("jitter-ms", 50);
const seconds = arg("seconds", 5);
const concurrency = arg("clients", 16);
const log = (line: string) => process.stderr.write(`replicas: ${line}\n`);
const ctx = userContext({ tenantId: STACK_EXTENSION.tenantId, userId: "u-1" });
const deal = { dealId: "D-1", amount: 30_000, marginPct: 5 };

const loadStart = loadavg()[0]?.toFixed(1);
log(`starting s3rver, PostgreSQL, the registry and 3 runtimes (poll ${pollMs} ms + up to ${jitterMs} ms)`);
const stack = await startReplicaStack({
  replicas: 3,
  pollIntervalMs: pollMs,
  pollJitterMs: jitterMs,
});
let failed = false;
try {
  log("shipping two versions (two real compiles)");
  const a = await stack.shipVersion();
  const b = await stack.shipVersion();
  const direct = stack.urls.map((baseUrl) => createRuntimeClient({ baseUrl, retry: { attempts: 1 } }));

  /** Asks one replica every 5 ms until it answers with `version`; resolves with when it did. */
  const servingAt = async (client: RuntimeClient, version: string): Promise<number> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const r = await client.invoke({ ...STACK_EXTENSION, ctx, input: deal }).catch(() => undefined);
      if (r?.resolvedVersion === version) return Date.now();
      if (Date.now() > deadline) throw new Error(`a replica never served version ${version}`);
      await new Promise((res) => setTimeout(res, 5));
    }
  };
  // Both versions loaded everywhere first, so a switch measures the catalog's path alone.
  await Promise.all(direct.map((c) => servingAt(c, b.version)));

  const allServing: number[] = [];
  const eachServing: number[] = [];
  let target = a.version;
  for (let i = 0; i < promotions; i++) {
    const switching = stack.switchTo(target);
    const served = Promise.all(direct.map((c) => servingAt(c, target)));
    const { publishedAt } = await switching;
    const times = (await served).map((t) => Math.max(0, t - publishedAt));
    eachServing.push(...times);
    allServing.push(Math.max(...times));
    log(`switch ${i + 1}/${promotions} to version ${target}: serving ${times.join(", ")} ms`);
    target = target === a.version ? b.version : a.version;
  }

  /** Invocations per second of a closed loop of `concurrency` calls over `baseUrls`. */
  const throughput = async (baseUrls: string[]): Promise<{ perSecond: number; errors: number }> => {
    const client = createRuntimeClient({ baseUrls, timeoutMs: 10_000 });
    let done = 0;
    let errors = 0;
    const end = performance.now() + seconds * 1_000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) {
          const r = await client.invoke({ ...STACK_EXTENSION, ctx, input: deal }).catch(() => undefined);
          if (r?.outcome === "ok") done++;
          else errors++;
        }
      }),
    );
    client.close();
    return { perSecond: (done * 1_000) / (performance.now() - started), errors };
  };
  const one: number[] = [];
  const three: number[] = [];
  let errors = 0;
  for (let round = 0; round < 2; round++) {
    const o = await throughput([stack.urls[0] as string]);
    const t = await throughput(stack.urls);
    one.push(o.perSecond);
    three.push(t.perSecond);
    errors += o.errors + t.errors;
    log(`throughput round ${round + 1}: one ${o.perSecond.toFixed(0)}/s, three ${t.perSecond.toFixed(0)}/s`);
  }
  for (const c of direct) c.close();
  // What each replica warned about (catalog_fetch_failed, catalog_invalid, inline_overrun…), counted.
  for (const [i, r] of stack.runtimes.entries()) {
    const counts = new Map<string, number>();
    for (const l of r.logs)
      if (Number(l.level) >= 40 && l.event !== "invocation") {
        const what = l.event === "catalog_fetch_failed" ? `${l.event} (${String(l.error)})` : String(l.event);
        counts.set(what, (counts.get(what) ?? 0) + 1);
      }
    log(`replica ${i} warnings: ${[...counts].map(([e, n]) => `${e} x${n}`).join(", ") || "none"}`);
  }

  const sorted = [...allServing].sort((x, y) => x - y);
  const fmt = (n: number) => n.toFixed(0);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  process.stdout.write(
    [
      `replicas: 3 runtime processes (pool size 1 each), poll ${pollMs} ms + up to ${jitterMs} ms of jitter; ${cpus().length} cores, load average ${loadStart} at the start, ${loadavg()[0]?.toFixed(1)} at the end`,
      `promotion → every replica serving it, over ${promotions} switches: p50 ${fmt(median(allServing))} ms, max ${fmt(sorted[sorted.length - 1] as number)} ms` +
        ` (each replica: p50 ${fmt(median(eachServing))} ms)`,
      `throughput, ${concurrency} concurrent calls, ${seconds} s x 2 rounds: one replica ${fmt(mean(one))}/s, three replicas ${fmt(mean(three))}/s` +
        ` (x${(mean(three) / mean(one)).toFixed(2)}), ${errors} failed call(s)`,
      "",
    ].join("\n"),
  );
  if (errors > 0) failed = true;
} catch (cause) {
  log(`failed: ${(cause as Error).stack ?? String(cause)}`);
  failed = true;
} finally {
  await stack.close();
}
process.exit(failed ? 1 : 0);
