// Governed calls to existing Ameide APIs. The runtime checks each call
// against the extension's policy and its per-invocation budget.

import { callHost } from "./abi";
import { JSON } from "./json";

/** The outcome of `host.call`: an ok JSON payload, or an error with a code and a message. */
export class CallResult {
  /** True when the call succeeded; `payload` then holds the response JSON. */
  readonly ok: bool;
  /** The response JSON text when `ok`; the raw error JSON text otherwise. */
  readonly payload: string;
  /** The error code (e.g. "permission_denied") when not `ok`; empty when `ok`. */
  readonly code: string;
  /** The error message when not `ok`; empty when `ok`. */
  readonly message: string;

  constructor(ok: bool, payload: string, code: string, message: string) {
    this.ok = ok;
    this.payload = payload;
    this.code = code;
    this.message = message;
  }

  /** The ok payload parsed as JSON; JSON `null` when the call failed or the payload is not JSON. */
  json(): JSON.Value {
    if (!this.ok) return JSON.nullValue();
    return JSON.tryParse(this.payload).value;
  }
}

export namespace host {
  /**
   * Calls `method` of `service` with a JSON request: JSON text (a string),
   * or a `JSON.Value` (or anything `JSON.from` takes). Never traps on a refused or failed call: check
   * `ok`, then read `json()` or `code` / `message`.
   */
  export function call<T>(service: string, method: string, request: T): CallResult {
    const requestJson = isString<T>() ? changetype<string>(request) : JSON.from<T>(request).toString();
    const raw = callHost(service, method, requestJson);
    if (raw.isOk) return new CallResult(true, raw.payload, "", "");
    const parsed = JSON.tryParse(raw.payload);
    const error = parsed.value;
    if (!parsed.ok || !error.isObject) return new CallResult(false, raw.payload, "unknown", raw.payload);
    return new CallResult(false, raw.payload, error.getString("code", "unknown"), error.getString("message"));
  }
}
