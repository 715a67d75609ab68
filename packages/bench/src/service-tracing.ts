/**
 * The tracing row of bench:service on its own (its other rows take minutes):
 * InvokeExtension of the deal-approval rule (low tier, inline slice) on a
 * runtime process with tracing off against one exporting every span over
 * OTLP/HTTP to a receiver in this process (the default sampler), calls
 * interleaved, Connect binary over HTTP/1.1 (measure-tracing.ts). Goal: at
 * most +0.02 ms at p50.
 *
 *   npm run bench:service-tracing --workspace @ameide-ext/bench
 *
 * Exit codes: 0 the run completed (the report says PASS or MISS); 1 it failed.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalTokenIssuer, sha256Hex } from "@ameide-ext/runtime";
import { buildDealHook } from "./build-deal-hook.js";
import { machineInfo } from "./machine-info.js";
import { measureTracing, TRACING_P50_GOAL_MS } from "./measure-tracing.js";
import { startServer } from "./service-harness.js";

const log = (line: string) => process.stderr.write(`bench:service-tracing: ${line}\n`);

async function main(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), "ameide-tracing-bench-"));
  try {
    log("building the deal-approval hook");
    const build = await buildDealHook();
    const issuer = await createLocalTokenIssuer({ dir });
    const bearer = `Bearer ${await issuer.mint({ subject: "bench-service", tenants: ["acme"] })}`;
    const modulePath = join(dir, "extensions", "acme", "deal-approval.wasm");
    await mkdir(join(dir, "extensions", "acme"), { recursive: true });
    await writeFile(modulePath, build.component);
    const catalog = join(dir, "catalog.yaml");
    await writeFile(
      catalog,
      [
        "env: dev",
        `runtime: { log_level: info, auth: ${JSON.stringify(issuer.auth)} }`,
        "extensions:",
        "  - tenant_id: acme",
        "    extension_id: deal-approval",
        '    version: "3"',
        "    kind: process_hook",
        `    wasm_blob_ref: "file://${modulePath}#sha256=${sha256Hex(build.component)}"`,
        "    risk_tier: low",
        "    limits: { cpu_millis: 5, memory_mb: 16, timeout_ms: 50 }",
        "",
      ].join("\n"),
    );
    const server = await startServer(catalog, join(dir, "runtime.log"), { OTEL_SDK_DISABLED: "true" });
    try {
      log("tracing on (OTLP/HTTP to a receiver in this process) against off, HTTP/1.1, interleaved");
      const r = await measureTracing(
        server.url,
        catalog,
        join(dir, "runtime-traced.log"),
        "deal-approval",
        bearer,
      );
      const m = machineInfo();
      const ms = (us: number) => `${(us / 1000).toFixed(3)} ms`;
      const delta = `${r.deltaP50Ms >= 0 ? "+" : ""}${r.deltaP50Ms.toFixed(3)} ms`;
      process.stdout.write(
        [
          `machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.node}, load average ${m.loadAverage1m.toFixed(2)}`,
          "deal-approval (low tier), one client per server, interleaved, Connect binary over HTTP/1.1 (p50 / p99):",
          `  tracing off   ${ms(r.off.p50Us)} / ${ms(r.off.p99Us)}   server CPU ${r.off.cpuPerCallUs.toFixed(1)} µs per call   (${r.off.samples} calls)`,
          `  tracing on    ${ms(r.on.p50Us)} / ${ms(r.on.p99Us)}   server CPU ${r.on.cpuPerCallUs.toFixed(1)} µs per call   (${r.on.samples} calls; ${r.spansExported} spans exported; ${r.sampler})`,
          `  tracing adds ${r.deltaCpuPerCallUs.toFixed(1)} µs of the server's CPU per call`,
          `in this process, two runtimes (createRuntime), invokeExtension in alternating blocks, ${r.inProcess.calls} calls each (${r.inProcess.failed} not ok):`,
          `  tracing off   p50 ${ms(r.inProcess.offP50Us)}, CPU ${r.inProcess.offCpuPerCallUs.toFixed(1)} µs per call`,
          `  tracing on    p50 ${ms(r.inProcess.onP50Us)}, CPU ${r.inProcess.onCpuPerCallUs.toFixed(1)} µs per call`,
          `  tracing adds ${((r.inProcess.onP50Us - r.inProcess.offP50Us) / 1000).toFixed(3)} ms at p50, ${r.inProcess.deltaCpuPerCallUs.toFixed(1)} µs of CPU per call`,
          `${r.deltaP50Ms <= TRACING_P50_GOAL_MS ? "PASS" : "MISS"}  tracing adds ${delta} at p50 (goal <= +${TRACING_P50_GOAL_MS} ms)`,
          "",
        ].join("\n"),
      );
      return 0;
    } finally {
      await server.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

process.exit(
  await main().catch((cause: unknown) => {
    log(`failed: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`);
    return 1;
  }),
);
