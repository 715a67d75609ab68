/**
 * @ameide-ext/sdk: what primitives import to call the WasmExtensionRuntime.
 * The runtime client lands with the runtime-service issue; the context
 * builders and the error type are here now.
 */

export type { ErrorCode, ErrorReason, ExtensionErrorData } from "@ameide-ext/pdk/contract";
export { ExtensionError, isExtensionError } from "@ameide-ext/pdk/contract";
export type { ExecutionContext } from "@ameide-ext/runtime";
export type { ContextBase } from "./execution-context.js";
export { agentContext, systemContext, userContext } from "./execution-context.js";
