import type { ExtensionError, LogLevel } from "@ameide-ext/contract";
import {
  type InvokeExtensionResponse,
  InvokeExtensionResponseSchema,
  Outcome,
  LogLevel as ProtoLogLevel,
} from "@ameide-ext/proto";
import { create } from "@bufbuild/protobuf";
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

/** The response of an invocation that ran, whatever its outcome. */
export function responseFromResult(
  result: InvocationResult,
  module: ResolvedModule,
): InvokeExtensionResponse {
  const s = result.stats;
  const res = create(InvokeExtensionResponseSchema, {
    outcome: OUTCOMES[result.outcome],
    resolvedVersion: module.version,
    moduleSha256: module.sha256,
    stats: {
      fuelUsed: BigInt(s.fuelUsed),
      fuelLimit: BigInt(s.fuelLimit),
      peakMemoryBytes: BigInt(s.peakMemoryBytes),
      memoryLimitBytes: BigInt(s.memoryLimitBytes),
      durationUs: BigInt(Math.round(s.durationUs)),
      outputBytes: BigInt(s.outputBytes),
      hostCalls: s.hostCalls,
    },
    logs: result.logs.map((l) => ({
      level: LEVELS[l.level] ?? ProtoLogLevel.UNSPECIFIED,
      message: l.message,
    })),
  });
  if (result.outcome === "ok" && result.output !== undefined) {
    res.outputJson = encoder.encode(result.output);
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

/** The response of a request that never ran: a technical error, with zero stats. */
export function responseFromError(
  error: ExtensionError,
  module: ResolvedModule = { version: "", sha256: "" },
): InvokeExtensionResponse {
  return create(InvokeExtensionResponseSchema, {
    outcome: Outcome.TECHNICAL_ERROR,
    errorCode: error.code,
    errorMsg: error.message,
    errorReason: error.reason ?? "",
    resolvedVersion: module.version,
    moduleSha256: module.sha256,
    stats: {},
  });
}
