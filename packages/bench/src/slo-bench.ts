// The cost of SLOs that act (issue #15), per invocation: a breaker's admit + record alone (the baseline),
// then through the SLO guard for a version without an SLO, with one and every call good, and with one and
// 1% of calls failing (each failure evaluates the fast windows). Same process, same run; prints ns per call.
//   npm run bench:slo --workspace @ameide-ext/bench
import { createCatalog } from "@ameide-ext/runtime";
import { createCircuitBreakers, createRuntimeMetrics, createSloGuard } from "@ameide-ext/runtime/internal";
import { pino } from "pino";

const CALLS = 2_000_000;
const ROUNDS = 5;
const SHA = "ab".repeat(32);
const entry = (id: string, slo?: { error_rate: number; window: string }) => ({
  tenant_id: "acme",
  extension_id: id,
  version: "1",
  kind: "process_hook" as const,
  risk_tier: "low" as const,
  wasm_blob_ref: `s3://extensions/acme/${id}/1.wasm#sha256=${SHA}`,
  ...(slo ? { slo } : {}),
});
const catalog = createCatalog({
  extensions: [entry("plain"), entry("guarded", { error_rate: 0.5, window: "1h" })],
});

type Breakers = ReturnType<typeof createCircuitBreakers>;
const plain = () => createCircuitBreakers({ failureThreshold: 10_000 });
const guarded = () =>
  createSloGuard({
    breakers: plain(),
    catalog: () => catalog,
    registry: createRuntimeMetrics({ defaultMetrics: false }).registry,
    logger: pino({ level: "silent" }),
  });

/** ns per admit + record of `key` over CALLS calls, every `failEvery`-th one failing (0: none). */
function run(breakers: Breakers, key: string, failEvery: number): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) {
    const permit = breakers.admit(key);
    breakers.record(permit, failEvery > 0 && i % failEvery === 0);
  }
  return Number(process.hrtime.bigint() - started) / CALLS;
}

const cases: Array<[string, () => Breakers, string, number]> = [
  ["breakers alone (baseline)", plain, "acme/plain/1", 0],
  ["guard, version without an SLO", guarded, "acme/plain/1", 0],
  ["guard, SLO, every call good", guarded, "acme/guarded/1", 0],
  ["guard, SLO, 1% of calls failing", guarded, "acme/guarded/1", 100],
];
const best = new Map<string, number>();
for (let r = 0; r < ROUNDS; r++)
  for (const [name, make, key, failEvery] of cases) {
    const ns = run(make(), key, failEvery);
    best.set(name, Math.min(best.get(name) ?? Number.POSITIVE_INFINITY, ns));
  }
const base = best.get(cases[0]?.[0] ?? "") ?? 0;
console.log(
  `SLO guard, ${CALLS.toLocaleString("en")} admit + record per case, best of ${ROUNDS} rounds (ns per call):`,
);
for (const [name] of cases) {
  const ns = best.get(name) ?? 0;
  console.log(
    `  ${name.padEnd(34)} ${ns.toFixed(1).padStart(7)} ns   (+${(ns - base).toFixed(1)} ns over the baseline)`,
  );
}
