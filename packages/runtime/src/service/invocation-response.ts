import type { ExtensionError, LogLevel } from "@ameide-ext/contract";
import {
  type InvocationStats,
  type InvokeExtensionResponse,
  Outcome,
  LogLevel as ProtoLogLevel,
} from "@ameide-ext/proto";
import type { InvocationResult } from "../engine/types.js";

const encoder = new TextEncoder();

const LEVELS: Readonly<Record<LogLevel, ProtoLogLevel>> = {
  debug: ProtoLogLevel.DEBUG,
  info: ProtoLogLevel.INFO,
  warn: ProtoLogLevel.WARN,
  error: ProtoLogLevel.ERROR,
};

const OUTCOMES = {
  ok: Outcome.OK,
  business_error: Outcome.BUSINESS_ERROR,
  technical_error: Outcome.TECHNICAL_ERROR,
} as const;

/** Which module an answer came from: the version resolved and its sha256 (empty when none was resolved). */
export interface ResolvedModule {
  version: string;
  sha256: string;
}

/** Shared by every answer with no bytes there: protobuf-es's create() shares its zero value the same way. */
const NO_BYTES = new Uint8Array(0);

/**
 * An InvokeExtensionResponse built as an object literal with every field:
 * what `create(InvokeExtensionResponseSchema, …)` builds (a test compares
 * them), without its reflection over the fields, a few hundred times per
 * batch on the service's thread.
 */
function response(
  outcome: Outcome,
  module: ResolvedModule,
  stats: InvocationStats | undefined,
): InvokeExtensionResponse {
  const res: InvokeExtensionResponse = {
    $typeName: "ameide.extensions.v1.InvokeExtensionResponse",
    outputJson: NO_BYTES,
    errorCode: "",
    errorMsg: "",
    outcome,
    errorReason: "",
    resolvedVersion: module.version,
    stats,
    logs: [],
    errorDetailsJson: NO_BYTES,
    moduleSha256: module.sha256,
  };
  // Unset stats are no key at all, as create() leaves them (a batch's results for JSON and in-process
  // callers: the batch carries them). A single call's answer, the hot path, is the one literal.
  if (stats === undefined) delete res.stats;
  return res;
}

/** The wire's stats of a run: the engine's numbers as the proto's uint64s. */
function wireStats(s: InvocationResult["stats"]): InvocationStats {
  return {
    $typeName: "ameide.extensions.v1.InvocationStats",
    fuelUsed: BigInt(s.fuelUsed),
    fuelLimit: BigInt(s.fuelLimit),
    peakMemoryBytes: BigInt(s.peakMemoryBytes),
    memoryLimitBytes: BigInt(s.memoryLimitBytes),
    durationUs: BigInt(Math.round(s.durationUs)),
    outputBytes: BigInt(s.outputBytes),
    hostCalls: s.hostCalls,
  };
}

const encodeUtf8 = (text: string) => encoder.encode(text);

/**
 * The response of an invocation that ran, whatever its outcome. Its output
 * goes to bytes by `encodeOutput` (default a TextEncoder's `encode`; a batch
 * writes its outputs side by side in one buffer). `withStats` false leaves
 * its stats unset (a batch's result: the batch carries them, runtime.proto).
 */
export function responseFromResult(
  result: InvocationResult,
  module: ResolvedModule,
  encodeOutput: (output: string) => Uint8Array = encodeUtf8,
  withStats = true,
): InvokeExtensionResponse {
  const res = response(OUTCOMES[result.outcome], module, withStats ? wireStats(result.stats) : undefined);
  for (const l of result.logs)
    res.logs.push({
      $typeName: "ameide.extensions.v1.GuestLogLine",
      level: LEVELS[l.level] ?? ProtoLogLevel.UNSPECIFIED,
      message: l.message,
    });
  if (result.outcome === "ok" && result.output !== undefined) {
    res.outputJson = encodeOutput(result.output);
  } else if (result.outcome === "business_error" && result.businessError) {
    res.errorCode = result.businessError.code;
    res.errorMsg = result.businessError.message;
    if (result.businessError.details !== undefined)
      res.errorDetailsJson = encoder.encode(JSON.stringify(result.businessError.details));
  } else if (result.error) {
    res.errorCode = result.error.code;
    res.errorMsg = result.error.message;
    res.errorReason = result.error.reason ?? "";
  }
  return res;
}

/** The response of a request that never ran: a technical error, with zero stats (none with `withStats` false). */
export function responseFromError(
  error: ExtensionError,
  module: ResolvedModule = { version: "", sha256: "" },
  withStats = true,
): InvokeExtensionResponse {
  const stats: InvocationStats | undefined = withStats
    ? {
        $typeName: "ameide.extensions.v1.InvocationStats",
        fuelUsed: 0n,
        fuelLimit: 0n,
        peakMemoryBytes: 0n,
        memoryLimitBytes: 0n,
        durationUs: 0n,
        outputBytes: 0n,
        hostCalls: 0,
      }
    : undefined;
  const res = response(Outcome.TECHNICAL_ERROR, module, stats);
  res.errorCode = error.code;
  res.errorMsg = error.message;
  res.errorReason = error.reason ?? "";
  return res;
}
