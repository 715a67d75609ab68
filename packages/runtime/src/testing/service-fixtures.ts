// Test support for the runtime service's tests (and its load, fault and bench
// scripts): guests built with the AssemblyScript PDK, a module folder, a
// stand-in CRM domain service that checks host-call tokens, and a runtime
// server process. Internal: not a stable API.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { type InvokeExtensionRequest, InvokeExtensionRequestSchema } from "@ameide-ext/proto";
import { CrmService } from "@ameide-ext/proto/testing";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";
import { type Logger, pino } from "pino";

const here = dirname(fileURLToPath(import.meta.url));
/** The runtime package's folder. */
export const RUNTIME_DIR = join(here, "..", "..");
const REPO_ROOT = join(RUNTIME_DIR, "..", "..");
const CACHE_DIR = join(REPO_ROOT, "node_modules", ".cache", "ameide-ext-runtime-hooks");

/**
 * An all-purpose guest, by `mode` in its input: "echo" (default) answers
 * `{"echo": input, "version": VERSION}`; "fail" returns the business error
 * REFUSED; "loop" never ends; "bomb" allocates until the memory cap; "trap"
 * traps; "log" logs 3 lines, one of them long; "spin" runs a loop `n` times
 * and answers `{"spun": n}`. VERSION is set per build so
 * each version is its own module.
 */
const ECHO_HOOK = `
import { JSON, fail, log } from "@ameide-ext/pdk";

const VERSION = "__VERSION__";
let spin: i64 = 0;

export function run(input: string): string {
  const v = JSON.parse(input);
  const mode = v.getString("mode", "echo");
  if (mode == "fail") return fail("REFUSED", "the rule refused the input");
  if (mode == "loop") {
    while (spin >= 0) spin++;
  }
  if (mode == "bomb") {
    const keep = new Array<ArrayBuffer>();
    while (keep.length >= 0) keep.push(new ArrayBuffer(1 << 20));
  }
  if (mode == "trap") unreachable();
  if (mode == "spin") {
    const n = v.getInteger("n", 0);
    for (let i: i64 = 0; i < n; i++) spin = spin * 31 + i;
    return JSON.object().set("spun", n).toString();
  }
  if (mode == "log") {
    log.info("first line");
    log.warn("x".repeat(2000));
    log.error("third line");
  }
  return JSON.object().set("echo", v).set("version", VERSION).toString();
}
`;

/**
 * A guest that makes the host calls its input lists, `{"calls": [{"service",
 * "method", "request": {...}}]}`, and answers `{"results": [{"ok", "code",
 * "message", "payload"}]}`: what each call gave it.
 */
const CALLER_HOOK = `
import { JSON, host } from "@ameide-ext/pdk";

export function run(input: string): string {
  const v = JSON.parse(input);
  const calls = v.getArray("calls");
  const results = JSON.array();
  if (calls != null) {
    for (let i = 0; i < calls.length; i++) {
      const c = calls[i];
      const req = c.getObject("request");
      const r = host.call(c.getString("service"), c.getString("method"), req == null ? "{}" : req.toString());
      const out = JSON.object().set("ok", r.ok).set("code", r.code).set("message", r.message);
      out.set("payload", r.ok ? r.json() : JSON.nullValue());
      results.push(out);
    }
  }
  return JSON.object().set("results", results).toString();
}
`;

/**
 * An invoice-line pricing rule: `{"lineId", "qty", "unitPrice"}` in, `{"lineId", "net"}` out (net rounded
 * to cents), or the business error BAD_QTY for a quantity that is not positive. The batch docs' example.
 */
const PRICE_LINE_HOOK = `
import { JSON, fail } from "@ameide-ext/pdk";

export function run(input: string): string {
  const line = JSON.parse(input);
  const qty = line.getNumber("qty");
  if (qty <= 0) return fail("BAD_QTY", "qty must be positive");
  const net = Math.round(qty * line.getNumber("unitPrice") * 100) / 100;
  return JSON.object().set("lineId", line.getString("lineId")).set("net", net).toString();
}
`;

/** The guests {@link buildTestHook} builds: three of ours, and AssemblyScript templates as scaffolded. */
export type TestHookName =
  | "echo"
  | "caller"
  | "price-line"
  | "domain-hook-template"
  | "process-hook-template";

/** The source of an AssemblyScript template, as `new` scaffolds it. */
const templateSource = (kind: string) =>
  readFileSync(join(REPO_ROOT, "templates", "assemblyscript", kind, "src", "index.ts"), "utf8");

const SOURCES: Record<TestHookName, string> = {
  echo: ECHO_HOOK,
  caller: CALLER_HOOK,
  "price-line": PRICE_LINE_HOOK,
  get "domain-hook-template"() {
    return templateSource("domain_hook");
  },
  get "process-hook-template"() {
    return templateSource("process_hook");
  },
};

/** A built guest. */
export interface TestHook {
  bytes: Uint8Array;
  sha256: string;
}

/**
 * Builds a test guest with the AssemblyScript PDK, cached on disk by its
 * source (under node_modules/.cache), so suites pay for each build once.
 */
export async function buildTestHook(name: TestHookName, version = "1"): Promise<TestHook> {
  const source = SOURCES[name].replace("__VERSION__", version);
  const key = createHash("sha256").update(source).digest("hex").slice(0, 24);
  const cached = join(CACHE_DIR, `${name}-${key}.wasm`);
  try {
    const bytes = new Uint8Array(await readFile(cached));
    return { bytes, sha256: createHash("sha256").update(bytes).digest("hex") };
  } catch {
    // not built yet
  }
  const dir = join(CACHE_DIR, `${name}-${key}-src`, "src");
  await mkdir(dir, { recursive: true });
  const entry = join(dir, "index.ts");
  await writeFile(entry, source);
  // Imported on a miss only: the AssemblyScript compiler takes seconds to load.
  const { buildAssemblyScript } = await import("@ameide-ext/pdk");
  const build = await buildAssemblyScript({ entry });
  const tmp = `${cached}.${process.pid}.tmp`;
  await writeFile(tmp, build.component);
  await rename(tmp, cached);
  return { bytes: build.component, sha256: build.sha256 };
}

/**
 * Writes a module into `dir` as `extensions/<tenant>/<name>.wasm` (a catalog
 * entry's module must lie under its own tenant's prefix) and returns its
 * `file://` ref with the checksum.
 */
export async function writeModule(
  dir: string,
  name: string,
  hook: TestHook,
  tenant = "acme",
): Promise<string> {
  const folder = join(dir, "extensions", tenant);
  await mkdir(folder, { recursive: true });
  const path = join(folder, `${name}.wasm`);
  await writeFile(path, hook.bytes);
  return `file://${path}#sha256=${hook.sha256}`;
}

/** One call the CRM service received, with the verified claims of its token. */
export interface CrmCall {
  method: string;
  claims: JWTPayload;
  /** The W3C `traceparent` header the call came with, when it had one. */
  traceparent?: string | undefined;
}

/** A running CRM stand-in. */
export interface CrmServiceHandle {
  /** Base URL, for the catalog's `host_services`. */
  url: string;
  /** Calls received whose token verified. */
  calls: CrmCall[];
  /** Calls refused for their token. */
  refused: number;
  close(): Promise<void>;
}

const CUSTOMERS: Record<string, { tenant: string; name: string; rating: string }> = {
  "c-1": { tenant: "acme", name: "Ada Corp", rating: "A" },
  "c-2": { tenant: "globex", name: "Globex Ltd", rating: "B" },
};

/**
 * Serves `ameide.testing.v1.CrmService` with connect-node on loopback, as a
 * domain primitive would: every call must carry a runtime token that verifies
 * against `keys` (issuer, audience = the service, lifetime ≤ 60 s, a scope for
 * the method), and rows of other tenants are invisible (`not_found`), as under
 * row-level security.
 */
export async function startCrmService(
  keys: JWTVerifyGetKey,
  issuer = "ameide-ext-runtime",
): Promise<CrmServiceHandle> {
  const calls: CrmCall[] = [];
  const handle = { refused: 0 };
  const authorize = async (
    header: string | null,
    method: string,
    traceparent?: string | null,
  ): Promise<JWTPayload> => {
    const token = header?.startsWith("Bearer ") ? header.slice(7) : undefined;
    try {
      if (!token) throw new ConnectError("no bearer token", Code.Unauthenticated);
      const { payload } = await jwtVerify(token, keys, {
        issuer,
        audience: CrmService.typeName,
        maxTokenAge: "60s",
        requiredClaims: ["tenant_id", "user_id", "exp", "iat"],
      });
      const scopes = Array.isArray(payload.scopes) ? payload.scopes : [];
      if (!scopes.includes(`${CrmService.typeName}/${method}`))
        throw new ConnectError(`the token's scopes do not cover ${method}`, Code.PermissionDenied);
      if (
        typeof payload.exp !== "number" ||
        typeof payload.iat !== "number" ||
        payload.exp - payload.iat > 60
      )
        throw new ConnectError("the token lives longer than 60 s", Code.Unauthenticated);
      calls.push({ method, claims: payload, ...(traceparent ? { traceparent } : {}) });
      return payload;
    } catch (cause) {
      handle.refused++;
      if (cause instanceof ConnectError) throw cause;
      throw new ConnectError(`invalid token: ${(cause as Error).message}`, Code.Unauthenticated);
    }
  };
  const server: Server = createServer(
    connectNodeAdapter({
      routes: (router) =>
        router.service(CrmService, {
          async getCustomer(req, ctx) {
            const claims = await authorize(
              ctx.requestHeader.get("authorization"),
              "GetCustomer",
              ctx.requestHeader.get("traceparent"),
            );
            if (req.delayMs > 0) await new Promise((r) => setTimeout(r, req.delayMs));
            const row = CUSTOMERS[req.customerId];
            // Row-level security: another tenant's row does not exist for this caller.
            if (!row || row.tenant !== claims.tenant_id)
              throw new ConnectError(`customer ${req.customerId} not found`, Code.NotFound);
            return {
              customerId: req.customerId,
              name: row.name,
              rating: row.rating,
              tenantId: row.tenant,
              seenUserId: String(claims.user_id),
            };
          },
          async updateCreditLimit(req, ctx) {
            await authorize(ctx.requestHeader.get("authorization"), "UpdateCreditLimit");
            return { customerId: req.customerId, creditLimit: req.creditLimit };
          },
        }),
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    get refused() {
      return handle.refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A runtime server running in its own process, from the TypeScript sources. */
export interface RuntimeProcess {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>`, when it listens on TCP. */
  url: string | undefined;
  /** Every JSON log line so far. */
  logs: Array<Record<string, unknown>>;
  /** Resolves with the first log line `match` accepts (already logged or to come), or rejects after `timeoutMs`. */
  waitForLog(
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

/**
 * Starts `src/service/main.ts` with tsx (`--conditions=source`) and waits for
 * its "listening" line. `args` follow `--config <configPath>`.
 */
export async function spawnRuntime(
  configPath: string,
  args: string[] = ["--port", "0"],
  env: NodeJS.ProcessEnv = {},
): Promise<RuntimeProcess> {
  const child = spawn(
    process.execPath,
    [
      "--conditions=source",
      "--import",
      "tsx",
      join(RUNTIME_DIR, "src", "service", "main.ts"),
      "--config",
      configPath,
      ...args,
    ],
    {
      cwd: RUNTIME_DIR,
      env: {
        ...process.env,
        AMEIDE_RUNTIME_LOG_LEVEL: "info",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const logs: Array<Record<string, unknown>> = [];
  const waiters: Array<{
    match: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }> = [];
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    logs.push(line);
    for (const w of [...waiters])
      if (w.match(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const waitForLog = (match: (l: Record<string, unknown>) => boolean, timeoutMs = 30_000) => {
    const seen = logs.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no matching log line within ${timeoutMs} ms; stderr: ${stderr}`)),
        timeoutMs,
      );
      waiters.push({
        match,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`the runtime exited before the log line; stderr: ${stderr}`));
      });
    });
  };
  const listening = await waitForLog((l) => l.event === "listening" || l.event === "start_failed", 60_000);
  if (listening.event === "start_failed")
    throw new Error(`the runtime did not start: ${String(listening.msg)}`);
  return {
    child,
    url: typeof listening.url === "string" ? listening.url : undefined,
    logs,
    waitForLog,
    exited,
    stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/**
 * Auth for tests and benches: `createLocalTokenIssuer({ dir })` gives the `runtime.auth` section
 * to put in a catalog (or settings) and `mint()` for callers' and end users' tokens.
 */
export { createLocalTokenIssuer, type LocalTokenIssuer } from "../service/local-token-issuer.js";

/** A pino logger that keeps its lines in memory, parsed. */
export function captureLogger(level: string = "debug"): {
  logger: Logger;
  lines: Array<Record<string, unknown>>;
} {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level },
    { write: (text: string) => lines.push(JSON.parse(text) as Record<string, unknown>) },
  );
  return { logger, lines };
}

/** An InvokeExtensionRequest for tests: `input` is serialized as JSON. */
export function invokeRequest(options: {
  extensionId: string;
  version?: string;
  tenantId?: string;
  input?: unknown;
  ctx?: Partial<{
    orgId: string;
    userId: string;
    actorType: string;
    correlationId: string;
    sessionId: string;
    env: string;
  }>;
}): InvokeExtensionRequest {
  return create(InvokeExtensionRequestSchema, {
    extensionId: options.extensionId,
    version: options.version ?? "latest",
    ctx: { tenantId: options.tenantId ?? "acme", userId: "u-1", actorType: "USER", ...options.ctx },
    inputJson: new TextEncoder().encode(JSON.stringify(options.input ?? {})),
  });
}
