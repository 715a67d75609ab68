/**
 * What the service load, fault and bench scripts share: the runtime service
 * in a child process (service-server.ts), its memory read from /metrics, the
 * guests, the CRM stand-in for host calls, and a closed-loop load generator
 * with HDR histograms. Loopback only; every loop is bounded in time.
 */
import { type ChildProcess, execFileSync, fork } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CrmService } from "@ameide-ext/proto/testing";
import { createLocalTokenIssuer, ExtensionError } from "@ameide-ext/runtime";
import {
  buildTestHook,
  type CrmServiceHandle,
  startCrmService,
  writeModule,
} from "@ameide-ext/runtime/testing/service";
import { createRuntimeClient, type RuntimeClient, userContext } from "@ameide-ext/sdk";
import * as hdr from "hdr-histogram-js";
import { createRemoteJWKSet, type JWTVerifyGetKey } from "jose";
import type { FromServer, ToServer } from "./service-server.js";

const SERVER = fileURLToPath(new URL("./service-server.ts", import.meta.url));

/** The runtime service in its own process. */
export interface ServerHandle {
  url: string;
  child: ChildProcess;
  /** Terminates one guest worker in the server, as a crash would. */
  killWorker(): Promise<boolean>;
  /** Runs a full garbage collection on the server's main thread. */
  gc(): Promise<void>;
  /** Graceful shutdown; resolves once the process has exited. */
  stop(): Promise<void>;
}

/**
 * The server runs the built runtime (dist/), as the bin does in production:
 * from the sources, every guest worker that a time-out replaces would load tsx
 * and compile the engine again, which is no part of what a deployment pays.
 * SERVICE_FROM=source runs it from the sources instead.
 */
const FROM_SOURCE = process.env.SERVICE_FROM === "source";

/** Builds the runtime and what it depends on (turbo: a no-op when dist/ is current). */
export function ensureBuilt(): void {
  if (FROM_SOURCE) return;
  execFileSync(
    "npx",
    ["--no", "turbo", "run", "build", "--filter=@ameide-ext/runtime...", "--output-logs=errors-only"],
    {
      cwd: fileURLToPath(new URL("../../..", import.meta.url)),
      stdio: ["ignore", "ignore", "inherit"],
      env: {
        ...process.env,
        TURBO_TELEMETRY_DISABLED: "1",
        DO_NOT_TRACK: "1",
        TURBO_NO_UPDATE_NOTIFIER: "1",
      },
    },
  );
}

/** Starts service-server.ts on a catalog file and waits until it is ready. */
export async function startServer(
  catalogPath: string,
  logFile: string,
  env: NodeJS.ProcessEnv = {},
): Promise<ServerHandle> {
  ensureBuilt();
  const child = fork(SERVER, [catalogPath, logFile], {
    execArgv: [
      ...(FROM_SOURCE ? ["--conditions=source"] : []),
      "--import",
      "tsx",
      "--expose-gc",
      // SERVICE_CPU_PROF=<dir>: write a V8 CPU profile of the server into <dir> when it exits.
      ...(process.env.SERVICE_CPU_PROF
        ? ["--cpu-prof", `--cpu-prof-dir=${process.env.SERVICE_CPU_PROF}`]
        : []),
    ],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const next = (t: FromServer["t"]) =>
    new Promise<FromServer>((resolve, reject) => {
      const onMessage = (m: FromServer) => {
        if (m.t !== t) return;
        child.off("message", onMessage);
        resolve(m);
      };
      child.on("message", onMessage);
      child.once("exit", (code) => reject(new Error(`the runtime service exited (${code}) before "${t}"`)));
    });
  const listening = (await next("listening")) as Extract<FromServer, { t: "listening" }>;
  await next("ready");
  return {
    url: listening.url,
    child,
    async killWorker() {
      const reply = next("killed");
      child.send({ t: "kill-worker" } satisfies ToServer);
      return ((await reply) as Extract<FromServer, { t: "killed" }>).ok;
    },
    async gc() {
      const reply = next("collected");
      child.send({ t: "gc" } satisfies ToServer);
      await reply;
    },
    async stop() {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.send({ t: "stop" } satisfies ToServer);
      await exited;
    },
  };
}

/** The server's memory, from its own /metrics (prom-client's process metrics). */
export async function serverMemory(url: string): Promise<{ rssMiB: number; heapUsedMiB: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)`, "m").exec(text)?.[1] ?? Number.NaN);
  return {
    rssMiB: read("process_resident_memory_bytes") / 2 ** 20,
    heapUsedMiB: read("nodejs_heap_size_used_bytes") / 2 ** 20,
  };
}

/** A fixture for the load and fault scripts: modules, a CRM stand-in, and the catalog's text. */
export interface LoadFixture {
  dir: string;
  catalogPath: string;
  crm: CrmServiceHandle;
  /** The catalog's text, given the refs of the `good` extension's versions and which "latest" pins. */
  catalogText(goodRefs: Record<string, string>, extra?: string, runtimeExtra?: string): string;
  /** Refs of good versions built so far (file:// refs). */
  goodRefs: Record<string, string>;
  /** Lets the CRM check tokens against the server's /.well-known/jwks.json once the server runs. */
  trust(url: string): void;
  /** The load generator's caller token (tenant acme), which the catalog's `runtime.auth` trusts. */
  token: string;
}

/**
 * Builds the guests and writes a catalog: `good` (low tier, echo), `loop` and
 * `bomb` (low tier, the same echo guest driven to its limits), `slow` (medium
 * tier, one read-only host call to a CRM that answers late).
 */
export async function createLoadFixture(): Promise<LoadFixture> {
  const dir = await mkdtemp(join(tmpdir(), "ameide-service-load-"));
  const goodRefs: Record<string, string> = {
    "1": await writeModule(dir, "good-1", await buildTestHook("echo", "1")),
  };
  const callerRef = await writeModule(dir, "caller", await buildTestHook("caller"));
  // The runtime authenticates callers as in production: a JWT per client, verified against a JWKS file.
  const issuer = await createLocalTokenIssuer({ dir });
  const token = await issuer.mint({ subject: "bench-load", tenants: ["acme"], ttlSeconds: 86_400 });
  const auth = `auth: ${JSON.stringify(issuer.auth)}`;
  let keys: JWTVerifyGetKey | undefined;
  const crm = await startCrmService((header, token) => {
    if (!keys) throw new ExtensionError("unavailable", "the runtime's keys are not known yet");
    return keys(header, token);
  });
  const catalogPath = join(dir, "catalog.yaml");
  const catalogText = (refs: Record<string, string>, extra = "", runtimeExtra = "") => {
    // Well-behaved work gets a wall-clock limit with room for a busy 2-core machine; the hostile kinds the spec's 50 ms.
    const low = (id: string, version: string, ref: string, timeoutMs = 250) =>
      `  - { tenant_id: acme, extension_id: ${id}, version: "${version}", kind: process_hook, risk_tier: low, wasm_blob_ref: "${ref}", limits: { cpu_millis: 5, memory_mb: 16, timeout_ms: ${timeoutMs} } }`;
    return [
      "env: dev",
      // Six workers on two cores: a worker blocks while its guest waits for a host call, so a mix with slow
      // host calls needs more workers than cores. A breaker that lets the hostile kinds keep running.
      `runtime: { log_level: info, pool: { size: 6 }, circuit_breaker: { failure_threshold: 10000, cool_down_ms: 1000 }, ${auth}${runtimeExtra ? `, ${runtimeExtra}` : ""} }`,
      "host_services:",
      `  ${CrmService.typeName}: { url: "${crm.url}" }`,
      "extensions:",
      ...Object.entries(refs).map(([v, ref]) => low("good", v, ref)),
      low("loop", "1", goodRefs["1"] as string, 50),
      low("bomb", "1", goodRefs["1"] as string, 50),
      `  - { tenant_id: acme, extension_id: slow, version: "1", kind: domain_hook, risk_tier: medium, wasm_blob_ref: "${callerRef}", limits: { timeout_ms: 50 }, host_calls: [{ service: ${CrmService.typeName}, method: GetCustomer, read_only: true }] }`,
      extra,
      "",
    ].join("\n");
  };
  await writeFile(catalogPath, catalogText(goodRefs));
  return {
    dir,
    catalogPath,
    crm,
    catalogText,
    goodRefs,
    token,
    trust(url) {
      keys = createRemoteJWKSet(new URL(`${url}/.well-known/jwks.json`));
    },
  };
}

/** The kinds of invocation in the load mix. */
export type Kind = "good" | "loop" | "bomb" | "slow";

/** One in ten invocations is hostile, the three hostile kinds in turn. */
export function kindOf(i: number): Kind {
  if (i % 10 !== 9) return "good";
  const k = Math.floor(i / 10) % 3;
  return k === 0 ? "loop" : k === 1 ? "bomb" : "slow";
}

const ctx = userContext({ tenantId: "acme", userId: "load-1", correlationId: "load" });

/** One invocation of `kind`, with the SDK client: resolves with "ok" or the error code (and reason). */
export async function invokeKind(client: RuntimeClient, kind: Kind, i: number): Promise<string> {
  const input =
    kind === "good"
      ? { n: i }
      : kind === "slow"
        ? {
            calls: [
              {
                service: CrmService.typeName,
                method: "GetCustomer",
                request: { customerId: "c-1", delayMs: 200 },
              },
            ],
          }
        : { mode: kind };
  try {
    const res = await client.invoke<{ echo?: { n?: number }; results?: Array<{ code: string }> }>({
      extensionId: kind,
      ctx,
      input,
      timeoutMs: 5_000,
    });
    if (res.outcome !== "ok") return `business_error/${res.businessError.code}`;
    if (kind === "good" && res.output.echo?.n !== i) return "wrong_output";
    // A slow host call is cut at the invocation's deadline: the guest sees deadline_exceeded.
    if (kind === "slow")
      return res.output.results?.[0]?.code === "deadline_exceeded" ? "deadline_exceeded/host_call" : "ok";
    return "ok";
  } catch (cause) {
    const err = ExtensionError.from(cause);
    return `${err.code}/${err.reason ?? ""}`;
  }
}

/** Options of {@link runClosedLoop}. */
export interface ClosedLoopOptions {
  url: string;
  /** Concurrent clients, each with its own connection, each with one call in flight. */
  clients: number;
  /** Run at least this long, ms. */
  minMs: number;
  /** And at least this many invocations, unless `maxMs` passes first. */
  minInvocations: number;
  /** Never run longer than this, ms. */
  maxMs: number;
  /** Called once a second with the count so far. */
  onTick?: (done: number, elapsedMs: number) => void;
  /** Called at the given times (ms since the start), for fault injection. */
  schedule?: Array<{ atMs: number; run: () => Promise<void> | void }>;
  /** The caller token each client sends (LoadFixture.token). */
  token: string;
}

/** What a closed loop measured. */
export interface ClosedLoopResult {
  invocations: number;
  elapsedMs: number;
  /** Counts of outcomes per kind: "ok", or "code/reason". */
  outcomes: Record<Kind, Record<string, number>>;
  /** Latency of the good invocations, client side, µs. */
  goodLatency: { p50Us: number; p90Us: number; p99Us: number; maxUs: number };
}

/** Runs the mix with `clients` closed-loop SDK clients (Connect protocol, HTTP/2, one connection each). */
export async function runClosedLoop(o: ClosedLoopOptions): Promise<ClosedLoopResult> {
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const outcomes: Record<Kind, Record<string, number>> = { good: {}, loop: {}, bomb: {}, slow: {} };
  const clients = Array.from({ length: o.clients }, () =>
    createRuntimeClient({ baseUrl: o.url, token: () => o.token }),
  );
  const started = performance.now();
  let next = 0;
  let done = 0;
  const elapsed = () => performance.now() - started;
  const more = () => elapsed() < o.maxMs && (elapsed() < o.minMs || done < o.minInvocations);
  const ticker = setInterval(() => o.onTick?.(done, elapsed()), 1_000);
  const pending = [...(o.schedule ?? [])];
  const faults = setInterval(() => {
    while (pending[0] && pending[0].atMs <= elapsed())
      void (pending.shift() as { run: () => Promise<void> | void }).run();
  }, 50);
  await Promise.all(
    clients.map(async (client) => {
      while (more()) {
        const i = next++;
        const kind = kindOf(i);
        const t0 = performance.now();
        const outcome = await invokeKind(client, kind, i);
        if (kind === "good") histogram.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
        outcomes[kind][outcome] = (outcomes[kind][outcome] ?? 0) + 1;
        done++;
      }
    }),
  );
  clearInterval(ticker);
  clearInterval(faults);
  for (const c of clients) c.close();
  const result: ClosedLoopResult = {
    invocations: done,
    elapsedMs: elapsed(),
    outcomes,
    goodLatency: {
      p50Us: histogram.getValueAtPercentile(50),
      p90Us: histogram.getValueAtPercentile(90),
      p99Us: histogram.getValueAtPercentile(99),
      maxUs: histogram.maxValue,
    },
  };
  histogram.destroy();
  return result;
}
