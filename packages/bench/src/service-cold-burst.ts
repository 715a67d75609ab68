/**
 * A cold burst on the runtime service (issue #10 item 8): as soon as the
 * server is ready, BURST concurrent invocations of a trivial low-tier guest
 * (the echo hook, default limits: timeout_ms 100) over CLIENTS SDK clients (Connect, HTTP/2,
 * one connection each), then the same burst again, warm. Prints every
 * outcome and the latency, and what the server logged for the failures.
 *
 *   npm run burst:service --workspace @ameide-ext/bench [-- <burst> <clients> <rounds> <deadline ms>]
 *
 * Exit codes: 0 every invocation succeeded (or was refused with a named
 * `unavailable` reason, which a client retries); 1 otherwise.
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ExtensionError } from "@ameide-ext/runtime";
import { createRuntimeClient, userContext } from "@ameide-ext/sdk";
import { createLoadFixture, startServer } from "./service-harness.js";

const BURST = Number(process.argv[2] ?? 1000);
const CLIENTS = Number(process.argv[3] ?? 8);
const ROUNDS = Number(process.argv[4] ?? 2);
/** The caller's deadline: the SDK's default, 5 s. */
const DEADLINE_MS = Number(process.argv[5] ?? 5_000);
const log = (line: string) => process.stderr.write(`burst: ${line}\n`);
const ctx = userContext({ tenantId: "acme", userId: "burst-1", correlationId: "burst" });

const fixture = await createLoadFixture();
// The trivial guest with the default limits (timeout_ms 100), as a catalog entry that sets none.
await writeFile(
  fixture.catalogPath,
  fixture.catalogText(
    fixture.goodRefs,
    `  - { tenant_id: acme, extension_id: trivial, version: "1", kind: process_hook, risk_tier: low, wasm_blob_ref: "${fixture.goodRefs["1"]}" }`,
  ),
);
const logFile = join(fixture.dir, "runtime.log");
const server = await startServer(fixture.catalogPath, logFile);
fixture.trust(server.url);

/** One burst: every call started at once; resolves with outcome counts and latencies (ms). */
async function burst(round: number): Promise<{ outcomes: Record<string, number>; ms: number[] }> {
  const clients = Array.from({ length: CLIENTS }, () =>
    createRuntimeClient({ baseUrl: server.url, token: () => fixture.token, retry: { attempts: 1 } }),
  );
  const outcomes: Record<string, number> = {};
  const ms: number[] = [];
  await Promise.all(
    Array.from({ length: BURST }, async (_, i) => {
      const t0 = performance.now();
      let outcome = "ok";
      try {
        const res = await (clients[i % CLIENTS] as (typeof clients)[number]).invoke<{
          echo?: { n?: number };
        }>({
          extensionId: "trivial",
          ctx,
          input: { n: i, round },
          timeoutMs: DEADLINE_MS,
        });
        if (res.outcome !== "ok" || res.output.echo?.n !== i) outcome = "wrong_output";
      } catch (cause) {
        const err = ExtensionError.from(cause);
        outcome = `${err.code}/${err.reason ?? ""}`;
      }
      ms.push(performance.now() - t0);
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }),
  );
  for (const c of clients) c.close();
  return { outcomes, ms: ms.sort((a, b) => a - b) };
}

let failed = 0;
for (let round = 0; round < ROUNDS; round++) {
  const { outcomes, ms } = await burst(round);
  const at = (p: number) => (ms[Math.min(ms.length - 1, Math.ceil(p * ms.length) - 1)] ?? 0).toFixed(1);
  log(
    `${round === 0 ? "cold" : "warm"} burst of ${BURST} over ${CLIENTS} clients: ${JSON.stringify(outcomes)}; latency p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`,
  );
  for (const [o, n] of Object.entries(outcomes)) if (o !== "ok" && !o.startsWith("unavailable/")) failed += n;
}
await server.stop();
const text = await readFile(logFile, "utf8");
// Where the time went, server side: from the handler's start to its answer (the rest is the network and the queue before it).
const served = text
  .split("\n")
  .filter((l) => l.includes('"event":"invocation"'))
  .map((l) => JSON.parse(l) as { latency_ms?: number; outcome?: string; duration_ms?: number });
const latencies = served.map((l) => l.latency_ms ?? 0).sort((a, b) => a - b);
const pick = (p: number) =>
  (latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)] ?? 0).toFixed(1);
log(
  `server side, ${served.length} invocations: latency p50 ${pick(0.5)} ms, p99 ${pick(0.99)} ms, max ${pick(1)} ms`,
);
for (const l of served.filter((x) => x.outcome === "technical_error").slice(0, 5))
  log(`server: ${JSON.stringify(l)}`);
const overruns = text.split("\n").filter((x) => x.includes('"event":"inline_overrun"'));
log(`inline overruns logged: ${overruns.length}`);
for (const l of overruns.slice(0, 3)) log(`server: ${l}`);
if (process.env.BURST_SAMPLE) log(`sample: ${JSON.stringify(served.at(-1))}`);
await fixture.crm.close();
await rm(fixture.dir, { recursive: true, force: true });
log(failed === 0 ? "every invocation succeeded" : `${failed} invocation(s) failed`);
process.exit(failed === 0 ? 0 : 1);
