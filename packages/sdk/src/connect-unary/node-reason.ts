// How a Node.js socket or stream failure becomes a ConnectError: the same codes
// connect-node's transport gives (its node-error.js, not exported), so the SDK's
// errors do not depend on which client carried the call.
import { constants } from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";

const ABORTED = new Set([
  "ERR_STREAM_WRITE_AFTER_END",
  "ERR_STREAM_DESTROYED",
  "ERR_HTTP2_INVALID_STREAM",
  "ECONNRESET",
]);
const UNAVAILABLE = new Set(["ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED"]);

/** The Node.js error codes along an error's `cause` chain. */
function nodeCodes(reason: unknown): string[] {
  const codes: string[] = [];
  const seen = new Set<unknown>();
  for (let r = reason; r instanceof Error && !seen.has(r); r = (r as { cause?: unknown }).cause) {
    seen.add(r);
    const code = (r as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
  }
  return codes;
}

/**
 * A ConnectError for why a call failed: a refused or unresolvable peer is
 * `Unavailable`, a reset or destroyed stream `Aborted` (the SDK reads both as
 * `unavailable`, retryable), anything else `Internal`; a ConnectError stays itself.
 */
export function connectErrorFromReason(reason: unknown): ConnectError {
  if (reason instanceof ConnectError) return reason;
  const codes = nodeCodes(reason);
  const code = codes.some((c) => ABORTED.has(c))
    ? Code.Aborted
    : codes.some((c) => UNAVAILABLE.has(c))
      ? Code.Unavailable
      : Code.Internal;
  const err = ConnectError.from(reason, code);
  if (err !== reason) err.cause = reason;
  return err;
}

const RST_CODES: ReadonlyMap<number, Code> = new Map([
  [constants.NGHTTP2_PROTOCOL_ERROR, Code.Internal],
  [constants.NGHTTP2_INTERNAL_ERROR, Code.Internal],
  [constants.NGHTTP2_FLOW_CONTROL_ERROR, Code.Internal],
  [constants.NGHTTP2_SETTINGS_TIMEOUT, Code.Internal],
  [constants.NGHTTP2_FRAME_SIZE_ERROR, Code.Internal],
  [constants.NGHTTP2_COMPRESSION_ERROR, Code.Internal],
  [constants.NGHTTP2_CONNECT_ERROR, Code.Internal],
  [constants.NGHTTP2_REFUSED_STREAM, Code.Unavailable],
  [constants.NGHTTP2_CANCEL, Code.Canceled],
  [constants.NGHTTP2_ENHANCE_YOUR_CALM, Code.ResourceExhausted],
  [constants.NGHTTP2_INADEQUATE_SECURITY, Code.PermissionDenied],
  [constants.NGHTTP2_HTTP_1_1_REQUIRED, Code.PermissionDenied],
]);

/** The ConnectError of an HTTP/2 stream reset (as connect-node maps RST_STREAM codes), or undefined for NO_ERROR and STREAM_CLOSED. */
export function connectErrorFromRstCode(rstCode: number | undefined): ConnectError | undefined {
  const code = rstCode === undefined ? undefined : RST_CODES.get(rstCode);
  if (code === undefined) return undefined;
  return new ConnectError(`http/2 stream closed with error code 0x${(rstCode as number).toString(16)}`, code);
}
