// The one place where Connect's `Code` and ameide-ext's snake_case codes meet:
// the runtime's and the registry's RPC errors, host-call answers, and the
// clients of the SDK and the CLI.

import { Code, ConnectError } from "@connectrpc/connect";
import { codeFromHttpStatus, codeFromString } from "@connectrpc/connect/protocol-connect";
import {
  type ErrorCode,
  type ErrorReason,
  ExtensionError,
  isErrorCode,
  isErrorReason,
} from "./extension-error.js";

/** Response header (and gRPC trailer) that carries an error's machine-readable reason across an RPC. */
export const ERROR_REASON_HEADER = "ameide-error-reason";

/** Response header (and gRPC trailer) that carries an error's details (JSON) across an RPC. */
export const ERROR_DETAILS_HEADER = "ameide-error-details";

const TO_CONNECT: Readonly<Record<ErrorCode, Code>> = Object.freeze({
  invalid_argument: Code.InvalidArgument,
  unauthenticated: Code.Unauthenticated,
  not_found: Code.NotFound,
  permission_denied: Code.PermissionDenied,
  failed_precondition: Code.FailedPrecondition,
  resource_exhausted: Code.ResourceExhausted,
  deadline_exceeded: Code.DeadlineExceeded,
  unavailable: Code.Unavailable,
  internal: Code.Internal,
});

// Connect has 16 codes and we keep 9: each of the others folds into the one a
// caller should act on in the same way.
const FROM_CONNECT: Readonly<Record<Code, ErrorCode>> = Object.freeze({
  [Code.Canceled]: "deadline_exceeded",
  [Code.Unknown]: "internal",
  [Code.InvalidArgument]: "invalid_argument",
  [Code.DeadlineExceeded]: "deadline_exceeded",
  [Code.NotFound]: "not_found",
  [Code.AlreadyExists]: "failed_precondition",
  [Code.PermissionDenied]: "permission_denied",
  [Code.ResourceExhausted]: "resource_exhausted",
  [Code.FailedPrecondition]: "failed_precondition",
  [Code.Aborted]: "unavailable",
  [Code.OutOfRange]: "invalid_argument",
  [Code.Unimplemented]: "not_found",
  [Code.Internal]: "internal",
  [Code.Unavailable]: "unavailable",
  [Code.DataLoss]: "internal",
  [Code.Unauthenticated]: "unauthenticated",
});

/** Connect's code for one of ours. */
export function toConnectCode(code: ErrorCode): Code {
  return TO_CONNECT[code];
}

/**
 * Our code for one of Connect's. The nine we share map to themselves;
 * `canceled` becomes `deadline_exceeded`, `aborted` `unavailable` (retryable), `unimplemented` `not_found`,
 * `already_exists` `failed_precondition`, `out_of_range` `invalid_argument`,
 * `unknown` and `data_loss` `internal`.
 */
export function fromConnectCode(code: Code): ErrorCode {
  return FROM_CONNECT[code] ?? "internal";
}

/** Our code for a Connect code in its wire form (`"permission_denied"`, `"unauthenticated"`…); unknown text is `internal`. */
export function fromConnectCodeName(name: string): ErrorCode {
  if (isErrorCode(name)) return name;
  const code = codeFromString(name);
  return code === undefined ? "internal" : fromConnectCode(code);
}

/** Our code for an HTTP error status without a Connect error body, as the Connect protocol maps it. */
export function fromHttpStatus(status: number): ErrorCode {
  return fromConnectCode(codeFromHttpStatus(status));
}

/** An ExtensionError as a ConnectError: the code mapped, the reason in {@link ERROR_REASON_HEADER}. */
export function toConnectError(error: ExtensionError): ConnectError {
  const metadata = new Headers();
  if (error.reason !== undefined) metadata.set(ERROR_REASON_HEADER, error.reason);
  return new ConnectError(error.message, toConnectCode(error.code), metadata, undefined, error);
}

/**
 * Anything a Connect call threw as an ExtensionError: the code mapped, the
 * reason read back from {@link ERROR_REASON_HEADER} when the peer set it.
 */
export function fromConnectError(cause: unknown): ExtensionError {
  if (cause instanceof ExtensionError) return cause;
  const err = ConnectError.from(cause);
  const reasonText = err.metadata.get(ERROR_REASON_HEADER);
  const reason: ErrorReason | undefined = isErrorReason(reasonText) ? reasonText : undefined;
  return new ExtensionError(fromConnectCode(err.code), err.rawMessage, reason, {
    connectCode: Code[err.code],
  });
}
