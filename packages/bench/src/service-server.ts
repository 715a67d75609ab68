/**
 * The runtime service for the service load, fault and bench scripts, in a
 * process of its own: what `ameide-ext-runtime --config <catalog>` does
 * (loadRuntimeConfig, createRuntime, startRuntimeServer), with its log going
 * to a file, plus what the scripts ask over IPC: "kill-worker" terminates a
 * guest worker as a crash would (a fault), "gc" runs a full collection
 * (before a memory reading). Traces as the `OTEL_*` variables ask, as main does.
 *
 * Usage (spawned by service-harness.ts with an IPC channel):
 *   node --conditions=source --import tsx src/service-server.ts <catalog> <log file>
 */
import { createRuntime, loadRuntimeConfig, startRuntimeServer, startTracing } from "@ameide-ext/runtime";
import { pino } from "pino";

/** Messages from the scripts. */
export type ToServer = { t: "kill-worker" } | { t: "gc" } | { t: "stop" };
/** Messages to the scripts. */
export type FromServer =
  | { t: "listening"; url: string }
  | { t: "ready" }
  | { t: "killed"; ok: boolean }
  | { t: "collected" }
  | { t: "stopped"; clean: boolean };

const [catalogPath, logFile] = process.argv.slice(2);
if (!catalogPath || !logFile || !process.send) {
  process.stderr.write("usage: service-server.ts <catalog> <log file>, spawned with an IPC channel\n");
  process.exit(2);
}
const send = (m: FromServer) => process.send?.(m);
const destination = pino.destination({ dest: logFile, sync: false, mkdir: true, minLength: 4096 });
setInterval(() => destination.flush(), 500).unref();
const config = await loadRuntimeConfig(catalogPath, process.env, { port: 0 });
const logger = pino(
  { level: config.settings.logLevel, base: { service: "ameide-ext-runtime" } },
  destination,
);
const tracing = startTracing(process.env);
const runtime = await createRuntime({
  catalog: config.catalog,
  catalogPath: config.path,
  settings: config.settings,
  logger,
  tracer: tracing?.tracer,
});
const server = await startRuntimeServer(runtime, { port: 0, host: "127.0.0.1" });
send({ t: "listening", url: server.url as string });
await runtime.preload();
send({ t: "ready" });
process.on("message", (m: ToServer) => {
  if (m.t === "kill-worker") send({ t: "killed", ok: runtime.engine.killWorker() });
  if (m.t === "gc") {
    // Started with --expose-gc by the harness: a full collection, so heap figures show what is live.
    (globalThis as { gc?: () => void }).gc?.();
    send({ t: "collected" });
  }
  if (m.t === "stop")
    void server.shutdown(5_000).then(async (clean) => {
      await tracing?.shutdown();
      destination.flushSync();
      send({ t: "stopped", clean });
      process.exit(0);
    });
});
