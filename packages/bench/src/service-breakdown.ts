/**
 * `npm run bench:service-breakdown`: where an inline invocation's time goes
 * inside the runtime service, without the network. It times, per call:
 * engine.invokeInline alone; runtime.invokeExtension on the inline path
 * (catalog, breaker, request context, metrics, response) with its
 * per-invocation log line; and the same with the log level at warn (no line).
 * The difference between the service's figure and the bench:service overhead
 * over an empty RPC is the RPC layer's share. A script, not a test: it prints
 * figures. Bounded: about 20 s.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCatalog, createRuntime, sha256Hex } from "@ameide-ext/runtime";
import { invokeRequest } from "@ameide-ext/runtime/testing/service";
import { pino } from "pino";
import { buildDealHook } from "./build-deal-hook.js";
import { DEAL_INPUT } from "./deal-approval.js";
import { machineInfo } from "./machine-info.js";

const WARMUP = 20_000;
const CALLS = 20_000;

async function perCallUs(fn: () => unknown): Promise<number> {
  // Every 64 calls, one turn of the event loop: the runtime records metrics and log lines just after
  // each response (setImmediate), and that work belongs in the per-call figure too.
  const calls = async (n: number) => {
    for (let i = 0; i < n; i++) {
      await fn();
      if (i % 64 === 63) await new Promise((resolve) => setImmediate(resolve));
    }
    await new Promise((resolve) => setImmediate(resolve));
  };
  await calls(WARMUP);
  const started = performance.now();
  await calls(CALLS);
  return ((performance.now() - started) * 1000) / CALLS;
}

const dir = await mkdtemp(join(tmpdir(), "ameide-service-breakdown-"));
try {
  const build = await buildDealHook();
  // A catalog entry's module lies under its tenant's prefix.
  const modulePath = join(dir, "extensions", "acme", "deal-approval.wasm");
  await mkdir(join(dir, "extensions", "acme"), { recursive: true });
  await writeFile(modulePath, build.component);
  const req = invokeRequest({ extensionId: "deal-approval", input: JSON.parse(DEAL_INPUT) });
  const rows: Array<[string, number]> = [];
  for (const level of ["info", "warn"] as const) {
    const destination = pino.destination({
      dest: join(dir, `runtime-${level}.log`),
      sync: false,
      minLength: 4096,
    });
    const runtime = await createRuntime({
      catalog: createCatalog({
        env: "dev",
        extensions: [
          {
            tenant_id: "acme",
            extension_id: "deal-approval",
            version: "3",
            kind: "process_hook",
            risk_tier: "low",
            wasm_blob_ref: `file://${modulePath}#sha256=${sha256Hex(build.component)}`,
            limits: { cpu_millis: 1, memory_mb: 16, timeout_ms: 50 },
          },
        ],
        // Low tier: the default inline slice (runtime.inline_slice_us, 100 µs) runs it on this thread.
        runtime: { preload: false },
      }),
      logger: pino({ level }, destination),
      defaultMetrics: false,
    });
    if (level === "info") {
      const ext = await runtime.engine.load(build.component, { limits: { cpuMillis: 1 } });
      rows.push([
        "engine.invokeInline alone",
        await perCallUs(() => runtime.engine.invokeInline(ext, { input: DEAL_INPUT })),
      ]);
    }
    rows.push([
      `runtime.invokeExtension, inline path, log level ${level}${level === "info" ? " (one line per invocation)" : " (no line)"}`,
      await perCallUs(() => runtime.invokeExtension(req)),
    ]);
    await runtime.close();
    destination.flushSync();
  }
  const m = machineInfo();
  process.stdout.write(
    `machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.node}, load average ${m.loadAverage1m.toFixed(2)}\n`,
  );
  process.stdout.write(
    `per call, mean of ${CALLS} after ${WARMUP} warm-up calls, deal-approval rule, no network:\n`,
  );
  for (const [what, us] of rows) process.stdout.write(`  ${us.toFixed(1).padStart(6)} µs  ${what}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
