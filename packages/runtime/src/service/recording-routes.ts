import { createHash } from "node:crypto";
import { ExtensionError } from "@ameide-ext/contract";
import type { ExecutionContext } from "@ameide-ext/proto";
import type { ConnectNodeAdapterOptions } from "@connectrpc/connect-node";
import { parseRecordingKey, recordingPrefix } from "../recording/invocation-recording.js";
import { authorizeRequest } from "./authorize-request.js";
import { type CallerAuthenticator, USER_TOKEN_HEADER } from "./caller-authenticator.js";
import type { Runtime } from "./create-runtime.js";
import type { AnyRequest, AnyResponse } from "./probe-routes.js";

type Fallback = NonNullable<ConnectNodeAdapterOptions["fallback"]>;

/** Recordings listed at most per request (`limit`). */
export const MAX_LISTED_RECORDINGS = 10_000;

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;

const STATUS: Record<string, number> = {
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  failed_precondition: 412,
  unavailable: 503,
};

function sendJson(res: AnyResponse, status: number, doc: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(doc));
}

function sendError(res: AnyResponse, err: ExtensionError): void {
  sendJson(res, STATUS[err.code] ?? 500, {
    error: { code: err.code, reason: err.reason ?? null, message: err.message },
  });
}

/** A query parameter matching `pattern`, or `invalid_argument / invalid_input` naming it. */
function param(query: URLSearchParams, name: string, pattern: RegExp, optional = false): string | undefined {
  const value = query.get(name);
  if (value === null && optional) return undefined;
  if (value === null || !pattern.test(value))
    throw new ExtensionError(
      "invalid_argument",
      `${name} is ${value === null ? "missing" : JSON.stringify(value.slice(0, 200))}; it must match ${pattern.source}`,
      "invalid_input",
      { field: name },
    );
  return value;
}

/**
 * Tenant-scoped reads of the recordings (docs/runtime-service.md, "Recordings"),
 * next to the RPCs, as plain HTTP GETs answered with JSON:
 * - `/v1/recordings?tenant=T&extension=X[&since=<ISO time>][&limit=N]`: the keys, oldest first;
 * - `/v1/recording?key=recordings/T/X/V/<time>-<id>.json`: one recording;
 * - `/v1/module?tenant=T&extension=X&version=V`: the module that version runs (what replay runs again).
 *
 * Each proves its caller as InvokeExtension does and requires the tenant named (by
 * `tenant`, or the key's first folder) to be one the caller may act for
 * (authorizeRequest): `permission_denied / tenant_not_allowed` otherwise, so one
 * tenant's recordings are never listed or read with another's token. Anything
 * else goes to `next`.
 */
export function answerRecordings(
  runtime: Runtime,
  auth: CallerAuthenticator,
  viaSocket: (req: AnyRequest) => boolean,
  next: Fallback,
): Fallback {
  return (req, res) => {
    const url = new URL(req.url ?? "/", "http://runtime");
    const route = ROUTES[url.pathname];
    if (!route || req.method !== "GET") return next(req, res);
    const forTenant = async (tenantId: string) => {
      const identity = await auth.authenticate({
        authorization: header(req, "authorization"),
        userToken: header(req, USER_TOKEN_HEADER),
        viaSocket: viaSocket(req),
      });
      authorizeRequest(identity, { ctx: { tenantId } as ExecutionContext });
    };
    route(runtime, url.searchParams, forTenant).then(
      (answer) => {
        if (answer instanceof Uint8Array) {
          res.writeHead(200, { "content-type": "application/wasm", "cache-control": "no-store" });
          res.end(answer);
        } else sendJson(res, 200, answer);
      },
      (cause: unknown) => {
        const err = ExtensionError.from(cause);
        if (err.code === "unauthenticated" || err.code === "permission_denied") {
          runtime.metrics.callerRefused(err.code, err.reason ?? "");
          runtime.logger.warn(
            { event: "caller_refused", error_code: err.code, error_reason: err.reason, path: url.pathname },
            `${url.pathname} refused: ${err.message}`,
          );
        }
        sendError(res, err);
      },
    );
  };
}

function header(req: AnyRequest, name: string): string | null {
  const v = req.headers[name];
  return typeof v === "string" ? v : null;
}

type Route = (
  runtime: Runtime,
  query: URLSearchParams,
  forTenant: (tenantId: string) => Promise<void>,
) => Promise<unknown>;

function storeOf(runtime: Runtime) {
  const store = runtime.recordings?.store;
  if (!store)
    throw new ExtensionError(
      "failed_precondition",
      "this runtime records no invocations: set runtime.recordings.location (or runtime.store.root)",
    );
  return store;
}

const ROUTES: Record<string, Route> = {
  async "/v1/recordings"(runtime, query, forTenant) {
    const tenant = param(query, "tenant", ID) as string;
    const extension = param(query, "extension", ID) as string;
    const since = query.get("since");
    const from = since === null ? undefined : compactSince(since);
    const limit = Number(query.get("limit") ?? 1000);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LISTED_RECORDINGS)
      throw new ExtensionError(
        "invalid_argument",
        `limit is ${JSON.stringify(query.get("limit"))}; it must be an integer from 1 to ${MAX_LISTED_RECORDINGS}`,
        "invalid_input",
        { field: "limit" },
      );
    await forTenant(tenant);
    const keys = await storeOf(runtime).list(recordingPrefix(tenant, extension), { from, limit });
    return { recordings: keys };
  },
  async "/v1/recording"(runtime, query, forTenant) {
    const key = parseRecordingKey(query.get("key") ?? "");
    await forTenant(key.tenantId);
    const bytes = await storeOf(runtime).get(key.key);
    if (!bytes)
      throw new ExtensionError("not_found", `no recording ${JSON.stringify(key.key)}`, undefined, {
        key: key.key,
      });
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  },
  async "/v1/module"(runtime, query, forTenant) {
    const tenant = param(query, "tenant", ID) as string;
    const extension = param(query, "extension", ID) as string;
    const version = param(query, "version", VERSION) as string;
    await forTenant(tenant);
    const entry = runtime.catalog.resolve(tenant, extension, version);
    const bytes = await runtime.store.fetch(entry.ref, { maxBytes: runtime.engine.sizeLimits.moduleBytes });
    const actual = createHash("sha256").update(bytes).digest("hex");
    if (actual !== entry.ref.sha256)
      throw new ExtensionError(
        "failed_precondition",
        `module of ${entry.key} has sha256 ${actual}, its wasm_blob_ref says ${entry.ref.sha256}`,
        "integrity",
        { expected: entry.ref.sha256, actual },
      );
    return bytes;
  },
};

/** `since` (an ISO 8601 time) as the start of a recording's file name; `invalid_argument` when not a time. */
function compactSince(since: string): string {
  const t = Date.parse(since);
  if (Number.isNaN(t))
    throw new ExtensionError(
      "invalid_argument",
      `since is ${JSON.stringify(since.slice(0, 100))}; it must be an ISO 8601 time such as 2026-12-06T01:00:00Z`,
      "invalid_input",
      { field: "since" },
    );
  return new Date(t).toISOString().replace(/[-:.]/g, "");
}
