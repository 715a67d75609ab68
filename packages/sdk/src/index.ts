/**
 * @ameide-ext/sdk: what primitives import to call the WasmExtensionRuntime:
 * the runtime client (Connect, gRPC, gRPC-Web, a Unix socket, or in-process),
 * ExecutionContext builders, the one error type, and a domain's extension
 * points (Chain of Command around its commands) with their bindings read from
 * the Transformation registry (`createRegistryConfigStore`; the domain's own
 * database is `@ameide-ext/sdk/sql`).
 *
 * This index is the end-user API; what only our own packages share is
 * `@ameide-ext/sdk/internal`.
 */

export type { ErrorCode, ErrorReason, ExecutionContext, ExtensionErrorData } from "@ameide-ext/contract";
export { ExtensionError, fromConnectCode, isExtensionError, toConnectCode } from "@ameide-ext/contract";
export type { ChattinessOptions, ChattyEvent } from "./chattiness.js";
export { DEFAULT_CHATTY_THRESHOLD } from "./chattiness.js";
/** The default cap of an answer read by the runtime client (RuntimeClientOptions.readMaxBytes): 128 MiB. */
export { DEFAULT_READ_MAX_BYTES } from "./connect-unary/binary-unary-call.js";
export type {
  DomainExtensionConfig,
  DomainExtensionConfigStore,
  InMemoryConfigStore,
} from "./domain/domain-config-store.js";
export { createInMemoryConfigStore } from "./domain/domain-config-store.js";
export type {
  AroundResult,
  DomainExtensions,
  DomainExtensionsOptions,
  FailOpenEvent,
} from "./domain/domain-extensions.js";
export { createDomainExtensions, DomainVetoError } from "./domain/domain-extensions.js";
export type {
  ExtensionPoint,
  ExtensionPointKind,
  ExtensionPointSpec,
  FailurePolicy,
} from "./domain/extension-points.js";
export { DEFAULT_POINT_DEADLINE_MS, defineExtensionPoints } from "./domain/extension-points.js";
export type { HookAnswer, ValidationMessage } from "./domain/hook-answer.js";
export type {
  BindingsRefreshError,
  RegistryConfigStore,
  RegistryConfigStoreOptions,
} from "./domain/registry-config-store.js";
export {
  BINDINGS_REFRESH_BOUNDS,
  createRegistryConfigStore,
  DEFAULT_BINDINGS_REFRESH_MS,
  DEFAULT_BINDINGS_TIMEOUT_MS,
} from "./domain/registry-config-store.js";
export type { ContextBase } from "./execution-context.js";
export { agentContext, systemContext, userContext } from "./execution-context.js";
export type { InvokeManyOptions, InvokeManyResult } from "./invoke-many.js";
export type {
  BatchResult,
  BusinessError,
  BusinessErrorResult,
  GuestLog,
  InvokeResult,
  InvokeStats,
  OkResult,
  TechnicalErrorResult,
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
