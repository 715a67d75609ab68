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
 * become ExtensionError with the rule in `details.rule`.
 */
export function createRegistryClient(settings: Pick<RegistrySettings, "url" | "token">): RegistryClient {
  const auth: Interceptor = (next) => async (req) => {
    req.header.set("authorization", `Bearer ${settings.token}`);
    return next(req);
  };
  const transport = createConnectTransport({
    baseUrl: settings.url,
    httpVersion: "1.1",
    interceptors: [auth],
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
