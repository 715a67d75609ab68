import {
  ERROR_DETAILS_HEADER,
  ERROR_REASON_HEADER,
  ExtensionError,
  fromConnectCode,
  isErrorReason,
} from "@ameide-ext/contract";
import { ExtensionService } from "@ameide-ext/proto";
import { type Client, Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { CALL_TIMEOUT_MS, READ_MAX_BYTES, type ReadLimits } from "../runtime/read-limits.js";
import type { RegistrySettings } from "./registry-settings.js";

/** A client of `ameide.transformation.v1.ExtensionService`. Every method throws only ExtensionError. */
export type RegistryClient = Client<typeof ExtensionService>;

/** A registry error as an ExtensionError: code, reason and details (the rule) read back from the headers. */
export function fromRegistryError(cause: unknown): ExtensionError {
  if (cause instanceof ExtensionError) return cause;
  const err = ConnectError.from(cause);
  const reasonText = err.metadata.get(ERROR_REASON_HEADER);
  let details: Record<string, unknown> = {};
  try {
    details = JSON.parse(err.metadata.get(ERROR_DETAILS_HEADER) ?? "{}") as Record<string, unknown>;
  } catch {
    details = {};
  }
  if (err.code === Code.Unavailable && Object.keys(details).length === 0)
    return new ExtensionError(
      "unavailable",
      `the registry cannot be reached: ${err.rawMessage}`,
      undefined,
      details,
    );
  if (err.code === Code.DeadlineExceeded && reasonText === null && Object.keys(details).length === 0)
    return new ExtensionError(
      "deadline_exceeded",
      `the registry did not answer in time (${err.rawMessage}); check that it is up and reachable, then retry`,
    );
  return new ExtensionError(
    fromConnectCode(err.code),
    err.rawMessage,
    isErrorReason(reasonText) ? reasonText : undefined,
    err.code === Code.Unauthenticated ? { rule: "unauthenticated", ...details } : details,
  );
}

/**
 * Creates a client for the registry at `settings.url` (Connect protocol over
 * HTTP/1.1), sending `Authorization: Bearer <token>` on every call. Errors
 * become ExtensionError with the rule in `details.rule`. Each call has a
 * deadline (`limits.timeoutMs`, default {@link CALL_TIMEOUT_MS}:
 * `deadline_exceeded`) and reads at most `limits.readMaxBytes` (default
 * {@link READ_MAX_BYTES}, decompressed too: `resource_exhausted`).
 */
export function createRegistryClient(
  settings: Pick<RegistrySettings, "url" | "token">,
  limits: ReadLimits = {},
): RegistryClient {
  const auth: Interceptor = (next) => async (req) => {
    req.header.set("authorization", `Bearer ${settings.token}`);
    return next(req);
  };
  const transport = createConnectTransport({
    baseUrl: settings.url,
    httpVersion: "1.1",
    interceptors: [auth],
    readMaxBytes: limits.readMaxBytes ?? READ_MAX_BYTES,
    defaultTimeoutMs: limits.timeoutMs ?? CALL_TIMEOUT_MS,
  });
  const client = createClient(ExtensionService, transport);
  // Each method rethrows as ExtensionError (an interceptor's error would be wrapped again by the client).
  return new Proxy(client, {
    get(target, name, receiver) {
      const method = Reflect.get(target, name, receiver) as unknown;
      if (typeof method !== "function") return method;
      return async (...args: unknown[]) => {
        try {
          return await (method as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } catch (cause) {
          throw fromRegistryError(cause);
        }
      };
    },
  });
}
