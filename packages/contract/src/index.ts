/**
 * `@ameide-ext/contract`, the ground floor: the guest contract
 * `ameide:extension@1.0.0` (the WIT world, the limits and their defaults, the
 * cost model), the one error type and its mapping to Connect codes, the
 * execution context and the invocation result, and the names every package
 * shares (environments, risk tiers, languages, hook kinds). It imports no other
 * package of ours and no compiler, so every package can import it.
 */

export {
  ERROR_DETAILS_HEADER,
  ERROR_REASON_HEADER,
  fromConnectCode,
  fromConnectCodeName,
  fromConnectError,
  fromHttpStatus,
  toConnectCode,
  toConnectError,
} from "./connect-codes.js";
export type { CostClass } from "./cost-model.js";
export { COST_MODEL } from "./cost-model.js";
export type { ErrorGuide } from "./error-guide.js";
export { explainError } from "./error-guide.js";
export type { ErrorCode, ErrorReason, ExtensionErrorData } from "./extension-error.js";
export {
  ERROR_CODES,
  ERROR_REASONS,
  ExtensionError,
  isErrorCode,
  isErrorReason,
  isExtensionError,
} from "./extension-error.js";
export { EXTENSION_ID_LENGTH, EXTENSION_ID_PATTERN, isExtensionId } from "./extension-id.js";
export { formatBytes } from "./format-bytes.js";
export type {
  BusinessError,
  ExecutionContext,
  GuestLogLine,
  InvocationResult,
  InvocationStats,
  Outcome,
} from "./invocation.js";
export type {
  ExtensionKind,
  ExtensionLimits,
  LogLevel,
  ModuleShapeCap,
  RiskTier,
  SizeLimits,
} from "./limits.js";
export {
  ABI,
  DEFAULT_HOST_CALLS_PER_INVOCATION,
  DEFAULT_LIMITS,
  DEFAULT_SIZE_LIMITS,
  EXTENSION_KINDS,
  FUEL_PER_CPU_MILLI,
  FUEL_PER_HOST_BYTE,
  HOST_STRING_CAPS,
  LIMIT_BOUNDS,
  LOG_LEVELS,
  MAX_HOST_CALLS_PER_INVOCATION,
  MAX_LINKED_MODULES,
  MODULE_SHAPE_CAPS,
  RESTORE_FREE_BYTES,
  RISK_TIERS,
  restoreFuel,
  TABLE_ENTRY_BYTES,
  tableEntryBudget,
} from "./limits.js";
export type { EnvName, HookLanguage } from "./names.js";
export {
  DOMAIN_NAME_PATTERN,
  ENVIRONMENTS,
  EXTENSION_POINT_NAME_PATTERN,
  HOOK_LANGUAGES,
} from "./names.js";
export { HOST_INTERFACE, RUN_EXPORT, readContractWit, WIT_PACKAGE, WIT_PATH, WORLD_NAME } from "./world.js";
