/**
 * Load on the runtime service: 16 concurrent SDK clients (Connect protocol,
 * HTTP/2, one connection each) on loopback, at least 30 s and at least 100,000
 * invocations (stopped at 240 s whatever the count), one in ten hostile: an
 * infinite loop, a memory bomb, a host call to a service that answers too
 * late. Prints throughput, the latency of the well-behaved invocations, every
 * outcome by kind, and the server's memory after warm-up and at the end.
 *
 *   npm run load:service --workspace @ameide-ext/bench
 *
 * Exit codes: 0 every well-behaved invocation succeeded and every hostile one
 * ended with its limit's code (or at its 50 ms wall-clock limit); 1 otherwise.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { createLoadFixture, runClosedLoop, serverMemory, startServer } from "./service-harness.js";

const CLIENTS = 16;
const fixture = await createLoadFixture();
const server = await startServer(fixture.catalogPath, join(fixture.dir, "runtime.log"));
fixture.trust(server.url);
const log = (line: string) => process.stderr.write(`load: ${line}\n`);

log(`server ${server.url}; warming up`);
await runClosedLoop({
  url: server.url,
  token: fixture.token,
  clients: CLIENTS,
  minMs: 3_000,
  minInvocations: 0,
  maxMs: 3_000,
});
await server.gc();
const before = await serverMemory(server.url);
log(`after warm-up: rss ${before.rssMiB.toFixed(1)} MiB, heap ${before.heapUsedMiB.toFixed(1)} MiB`);
const samples: Array<{ invocations: number; rssMiB: number; heapUsedMiB: number }> = [];
let nextSample = 20_000;
const r = await runClosedLoop({
  url: server.url,
  token: fixture.token,
  clients: CLIENTS,
  minMs: 30_000,
  minInvocations: 100_000,
  maxMs: 240_000,
  onTick: (done, ms) => {
    if (Math.round(ms / 1000) % 5 === 0) log(`${done} invocations in ${(ms / 1000).toFixed(0)} s`);
    if (done >= nextSample) {
      nextSample += 20_000;
      void server
        .gc()
        .then(() => serverMemory(server.url))
        .then((m) => samples.push({ invocations: done, ...m }));
    }
  },
});
await new Promise((res) => setTimeout(res, 1_000));
await server.gc();
const after = await serverMemory(server.url);
await server.stop();
await fixture.crm.close();
await rm(fixture.dir, { recursive: true, force: true });

const expected: Record<string, string> = {
  good: "ok",
  loop: "resource_exhausted/fuel",
  bomb: "resource_exhausted/memory",
  slow: "deadline_exceeded/host_call",
};
let bad = 0;
const lines = [
  `service load: ${CLIENTS} clients, Connect protocol over HTTP/2 on loopback, 10% hostile`,
  `invocations      ${r.invocations} in ${(r.elapsedMs / 1000).toFixed(1)} s = ${(r.invocations / (r.elapsedMs / 1000)).toFixed(0)}/s`,
  `good latency     p50 ${(r.goodLatency.p50Us / 1000).toFixed(2)} ms, p90 ${(r.goodLatency.p90Us / 1000).toFixed(2)} ms, p99 ${(r.goodLatency.p99Us / 1000).toFixed(2)} ms, max ${(r.goodLatency.maxUs / 1000).toFixed(1)} ms (client side, SDK included)`,
];
for (const [kind, counts] of Object.entries(r.outcomes)) {
  const want = expected[kind] as string;
  const wrong = Object.entries(counts).filter(
    // A hostile invocation may also end at its wall-clock limit (50 ms) when the machine is busy: a limit all the same.
    ([k]) => k !== want && !(kind !== "good" && k === "deadline_exceeded/timeout"),
  );
  bad += wrong.reduce((n, [, c]) => n + c, 0);
  lines.push(
    `${kind.padEnd(16)} ${Object.entries(counts)
      .map(([k, c]) => `${k}: ${c}`)
      .join(", ")}${wrong.length ? "   <-- UNEXPECTED" : ""}`,
  );
}
lines.push(
  `server memory    after a full GC of the main thread (guest workers collect on their own): rss ${before.rssMiB.toFixed(1)} -> ${after.rssMiB.toFixed(1)} MiB (${(after.rssMiB - before.rssMiB).toFixed(1)}), heap used ${before.heapUsedMiB.toFixed(1)} -> ${after.heapUsedMiB.toFixed(1)} MiB (${(after.heapUsedMiB - before.heapUsedMiB).toFixed(1)})`,
  `memory by count  ${samples.map((m) => `${Math.round(m.invocations / 1000)}k: rss ${m.rssMiB.toFixed(0)} / heap ${m.heapUsedMiB.toFixed(0)} MiB`).join("; ")}`,
  bad === 0
    ? "PASS: no well-behaved invocation failed; every hostile one ended with its limit"
    : `FAIL: ${bad} unexpected outcome(s)`,
);
process.stdout.write(`${lines.join("\n")}\n`);
process.exit(bad === 0 ? 0 : 1);
