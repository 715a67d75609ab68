/**
 * @ameide-ext/sdk: what primitives import to call the WasmExtensionRuntime:
 * the runtime client (Connect, gRPC, gRPC-Web, a Unix socket, or in-process),
 * ExecutionContext builders and the one error type.
 *
 * This index is the end-user API; what only our own packages share is
 * `@ameide-ext/sdk/internal`.
 */

export type { ErrorCode, ErrorReason, ExecutionContext, ExtensionErrorData } from "@ameide-ext/contract";
export { ExtensionError, fromConnectCode, isExtensionError, toConnectCode } from "@ameide-ext/contract";
export type { ContextBase } from "./execution-context.js";
export { agentContext, systemContext, userContext } from "./execution-context.js";
export type {
  BusinessError,
  BusinessErrorResult,
  GuestLog,
  InvokeResult,
  InvokeStats,
  OkResult,
} from "./read-response.js";
export type { RetryOptions } from "./retry.js";
export type {
  InProcessRuntime,
  InvokeOptions,
  RuntimeClient,
  RuntimeClientOptions,
  RuntimeProtocol,
  TokenProvider,
} from "./runtime-client.js";
// End-user API: the client.
export { createInProcessClient, createRuntimeClient, USER_TOKEN_HEADER } from "./runtime-client.js";
