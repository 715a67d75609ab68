/**
 * @ameide-ext/runtime: the WasmExtensionRuntime engine. It loads components of
 * the world `ameide:extension/extension@1.0.0`, verifies and meters them, and
 * runs `run(input-json)` with fuel, memory, stack, time, size and host-call
 * limits enforced.
 */

export type {
  ErrorCode,
  ErrorReason,
  ExtensionErrorData,
  ExtensionLimits,
  RiskTier,
  SizeLimits,
} from "@ameide-ext/pdk/contract";
export {
  DEFAULT_LIMITS,
  DEFAULT_SIZE_LIMITS,
  ERROR_CODES,
  ERROR_REASONS,
  ExtensionError,
  FUEL_PER_CPU_MILLI,
  isExtensionError,
  LIMIT_BOUNDS,
} from "@ameide-ext/pdk/contract";
export { sha256Hex } from "./engine/compile-extension.js";
export type { Engine, EngineOptions, LoadedExtension, LoadOptions } from "./engine/create-engine.js";
// End-user API.
export { createEngine } from "./engine/create-engine.js";
export { formatBytes } from "./engine/resolve-limits.js";
export type {
  BusinessError,
  ExecutionContext,
  GuestLogLine,
  HostCallHandler,
  HostCallPermission,
  HostCallPolicy,
  HostCallRequest,
  InvocationResult,
  InvocationStats,
  InvokeRequest,
  Outcome,
} from "./engine/types.js";
export type { WorkerPoolOptions } from "./engine/worker-pool.js";
export type { InstrumentedModule, InstrumentOptions, MeterMode } from "./wasm/instrument-module.js";
// Below this line: internals for the bench and conformance packages, not a stable API.
export { instrumentModule } from "./wasm/instrument-module.js";
