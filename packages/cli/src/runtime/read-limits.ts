// What the CLI reads from a registry or a runtime, at most, and how long it waits: a server that is hostile or
// broken (a gzip bomb, an endless body, no answer) gets a coded error, not the CLI's memory or a hung terminal.
import { ExtensionError } from "@ameide-ext/contract";

/**
 * The largest answer the CLI reads from a registry or a runtime, in bytes, compressed or decompressed: 128 MiB,
 * the SDK's `DEFAULT_READ_MAX_BYTES` (the CLI does not depend on the SDK). connect-node's own default is 4 GiB.
 * The largest legitimate answers are a module (16 MiB by default) and a recording (at most 64 MiB).
 */
export const READ_MAX_BYTES = 128 * 1024 * 1024;

/**
 * The deadline of one call to a registry or a runtime, in milliseconds: 2 minutes. An invocation's own timeout
 * is at most 60 s; a registry call never waits for a compile (promote polls for it).
 */
export const CALL_TIMEOUT_MS = 120_000;

/** What a read from a server is capped at and waits for. */
export interface ReadLimits {
  /** Default {@link READ_MAX_BYTES}. */
  readMaxBytes?: number | undefined;
  /** Default {@link CALL_TIMEOUT_MS}. */
  timeoutMs?: number | undefined;
}

/** The refusal of an answer over `maxBytes`: `resource_exhausted`, naming what was read and the cap. */
function answerTooLarge(what: string, maxBytes: number): ExtensionError {
  return new ExtensionError(
    "resource_exhausted",
    `${what} is larger than ${maxBytes} bytes, the most the CLI reads; the server is misbehaving: check its URL, or ask its operator`,
    undefined,
    { limit: maxBytes },
  );
}

/** An error thrown while reading `what`, coded: a deadline as `deadline_exceeded`, anything else as `unavailable`. */
function readFailure(cause: unknown, what: string): ExtensionError {
  if (cause instanceof ExtensionError) return cause;
  const name = (cause as Error | undefined)?.name;
  if (name === "TimeoutError" || name === "AbortError")
    return new ExtensionError("deadline_exceeded", `${what} did not arrive in time`);
  return new ExtensionError("unavailable", `${what} was cut short: ${(cause as Error).message}`);
}

/**
 * The body of `res` (decompressed, as fetch gives it), read up to `maxBytes`: over it, the read stops (the
 * stream is cancelled, the rest never read) and fails `resource_exhausted`. `what` names the answer in errors.
 */
export async function readBodyCapped(res: Response, maxBytes: number, what: string): Promise<Uint8Array> {
  const declared = Number(res.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes && res.headers.get("content-encoding") === null) {
    await res.body?.cancel().catch(() => undefined);
    throw answerTooLarge(what, maxBytes);
  }
  if (res.body === null) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw answerTooLarge(what, maxBytes);
      }
      chunks.push(value);
    }
  } catch (cause) {
    throw readFailure(cause, what);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}

/** The body of `res` read as {@link readBodyCapped} reads it, parsed as JSON; not JSON: `internal / invalid_output`. */
export async function readJsonCapped(res: Response, maxBytes: number, what: string): Promise<unknown> {
  const text = new TextDecoder().decode(await readBodyCapped(res, maxBytes, what));
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ExtensionError(
      "internal",
      `${what} is not JSON (${(cause as Error).message}); the server is misbehaving: check its URL`,
      "invalid_output",
    );
  }
}
