// `ameide-ext-runtime`: the WasmExtensionRuntime as a process.
//
//   ameide-ext-runtime --config <catalog.yaml> [--port N] [--host ADDR] [--socket PATH]
//
// Exit codes: 0 after a graceful shutdown (SIGTERM, SIGINT); 1 when it cannot
// start (invalid catalog, port in use…), a second signal cut the drain
// short or the shutdown passed its deadline (shutdown_grace_ms + 1.5 s);
// 2 for a usage error. Logs are JSON lines on stdout (pino).
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ExtensionError } from "@ameide-ext/contract";
import { pino } from "pino";
import { createRuntime } from "./create-runtime.js";
import { loadRuntimeConfig } from "./load-runtime-config.js";
import { createLogDestination } from "./log-destination.js";
import { sloRollbackFromEnv } from "./slo-rollback-env.js";
import { startRuntimeServer } from "./start-runtime-server.js";
import { startTracing, type Tracing } from "./start-tracing.js";

const USAGE = `usage: ameide-ext-runtime --config <catalog file> [--port N] [--host ADDR] [--socket PATH]

  --config, -c   the catalog file (YAML or JSON), hot-reloaded; or AMEIDE_RUNTIME_CONFIG
                 (runtime.catalog.source: s3://… polls a catalog object instead)
  --port, -p     TCP port (default 8080, or AMEIDE_RUNTIME_PORT, or runtime.port)
  --host         TCP address (default 127.0.0.1)
  --socket, -s   also listen on this Unix domain socket
  --no-tcp       listen on the socket only
  --help, -h     this text

Traces: OpenTelemetry, off unless OTEL_EXPORTER_OTLP_ENDPOINT (or
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set; OTEL_TRACES_SAMPLER[_ARG] honoured.

See docs/runtime-service.md for the catalog, the environment, the traces and the endpoints.
`;

/**
 * After the drain (`runtime.shutdown_grace_ms`), how long closing connections, the engine and the
 * stores may take before the process exits anyway, in milliseconds. With the log flush
 * (LOG_FLUSH_MS) a shutdown ends at most `shutdown_grace_ms` + 1.5 s after the signal.
 */
export const SHUTDOWN_CLOSE_MS = 1000;

/** How long a shutdown waits for the buffered spans to be exported, in milliseconds. */
export const TRACE_FLUSH_MS = 500;

/** Exports the buffered spans and stops the exporter, for at most TRACE_FLUSH_MS. */
async function flushTraces(tracing: Tracing | undefined): Promise<void> {
  if (!tracing) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    tracing.shutdown().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, TRACE_FLUSH_MS);
    }),
  ]);
  clearTimeout(timer);
}

/** Process-level side effects, passed in so tests can replace them. */
export interface MainIo {
  stderr: (text: string) => void;
  /** Registers a shutdown signal handler. */
  onSignal: (signal: "SIGTERM" | "SIGINT", handler: () => void) => void;
}

const defaultIo: MainIo = {
  stderr: (text) => process.stderr.write(text),
  onSignal: (signal, handler) => process.on(signal, handler),
};

/** Runs the service until a signal stops it; resolves with the exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv, io: MainIo = defaultIo): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (cause) {
    io.stderr(`ameide-ext-runtime: ${(cause as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.values.help) {
    io.stderr(USAGE);
    return 0;
  }
  const configPath = args.values.config ?? env.AMEIDE_RUNTIME_CONFIG;
  if (configPath === undefined || configPath === "") {
    io.stderr(`ameide-ext-runtime: --config is required\n\n${USAGE}`);
    return 2;
  }
  let port: number | undefined;
  if (args.values.port !== undefined) {
    port = Number(args.values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      io.stderr(
        `ameide-ext-runtime: --port is ${JSON.stringify(args.values.port)}, it must be from 0 to 65535\n`,
      );
      return 2;
    }
  }

  const destination = createLogDestination();
  let logger = pino(
    { base: { service: "ameide-ext-runtime" }, timestamp: pino.stdTimeFunctions.isoTime },
    destination.stream,
  );
  const fail = async (message: string, cause: unknown): Promise<number> => {
    const err = ExtensionError.from(cause);
    logger.fatal(
      { event: "start_failed", error_code: err.code, error_reason: err.reason, details: err.details },
      `${message}: ${err.message}`,
    );
    await destination.flush();
    return 1;
  };

  let config: Awaited<ReturnType<typeof loadRuntimeConfig>>;
  try {
    config = await loadRuntimeConfig(configPath, env, {
      port,
      host: args.values.host,
      socket: args.values.socket,
    });
  } catch (cause) {
    return fail("the runtime cannot start", cause);
  }
  logger = logger.child({}, { level: config.settings.logLevel });
  let tracing: Tracing | undefined;
  try {
    tracing = startTracing(env);
  } catch (cause) {
    return fail("the runtime cannot start", cause);
  }
  if (tracing)
    logger.info(
      {
        event: "tracing",
        url: tracing.settings.url,
        sampler: tracing.settings.sampler,
        ratio: tracing.settings.ratio,
      },
      `traces exported to ${tracing.settings.url} (OTLP/HTTP protobuf)`,
    );
  let runtime: Awaited<ReturnType<typeof createRuntime>>;
  let server: Awaited<ReturnType<typeof startRuntimeServer>>;
  try {
    runtime = await createRuntime({
      catalog: config.catalog,
      catalogPath: config.path,
      catalogObject: config.catalogObject,
      settings: config.settings,
      logger,
      tracer: tracing?.tracer,
      sloRollback: await sloRollbackFromEnv(env),
    });
  } catch (cause) {
    await tracing?.shutdown();
    return fail("the runtime cannot start", cause);
  }
  try {
    server = await startRuntimeServer(runtime, {
      port: args.values["no-tcp"] ? undefined : config.settings.port,
      host: config.settings.host,
      socket: config.settings.socket,
    });
  } catch (cause) {
    await runtime.close();
    await tracing?.shutdown();
    return fail("the runtime cannot listen", cause);
  }
  logger.info(
    {
      event: "listening",
      url: server.url,
      socket: server.socket,
      catalog: config.catalogObject?.where.url ?? config.path,
      catalog_hash: config.catalog.hash,
      extensions: config.catalog.entries.length,
      env: config.catalog.env,
    },
    `WasmExtensionRuntime listening on ${[server.url, server.socket].filter(Boolean).join(" and ")}`,
  );
  // With preload off (AMEIDE_RUNTIME_PRELOAD=false) modules load on first use: ready at once.
  const firstPass = config.settings.preload ? runtime.preload() : Promise.resolve();
  void firstPass.then(() => logger.info({ event: "ready" }, "ready"));

  return new Promise<number>((resolve) => {
    let stopping = false;
    let ended = false;
    const end = (code: number) => {
      if (ended) return;
      ended = true;
      // The spans still buffered are exported first, for at most TRACE_FLUSH_MS.
      void flushTraces(tracing)
        .then(() => destination.flush())
        .then(() => resolve(code));
    };
    const stop = (signal: "SIGTERM" | "SIGINT") => {
      if (stopping) {
        logger.warn({ event: "shutdown_forced", signal }, "second signal: exiting without waiting");
        end(1);
        return;
      }
      stopping = true;
      const deadlineMs = config.settings.shutdownGraceMs + SHUTDOWN_CLOSE_MS;
      // Unref'd: it never keeps the process up, it only ends a close that hangs.
      setTimeout(() => {
        logger.error(
          { event: "shutdown_forced", reason: "deadline", deadline_ms: deadlineMs },
          `shutdown took over ${deadlineMs} ms: exiting without waiting`,
        );
        end(1);
      }, deadlineMs).unref();
      logger.info(
        { event: "shutdown", signal, in_flight: runtime.inflight },
        `${signal}: draining ${runtime.inflight} invocation(s) in flight`,
      );
      void server.shutdown().then((clean) => {
        logger.info(
          { event: "stopped", clean },
          clean
            ? "stopped: every invocation in flight finished"
            : "stopped: the grace period cut invocations short",
        );
        end(0);
      });
    };
    io.onSignal("SIGTERM", () => stop("SIGTERM"));
    io.onSignal("SIGINT", () => stop("SIGINT"));
  });
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      config: { type: "string", short: "c" },
      port: { type: "string", short: "p" },
      host: { type: "string" },
      socket: { type: "string", short: "s" },
      "no-tcp": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

/** Runs {@link main} with the process's arguments and environment, and exits with its code: the one `process.exit`. */
export function runMain(): void {
  void main(process.argv.slice(2), process.env).then((code) => process.exit(code));
}

const entry = process.argv[1];
if (entry !== undefined && realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url))) runMain();
