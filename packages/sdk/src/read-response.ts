import {
  ExtensionError,
  type InvocationStats,
  isErrorCode,
  isErrorReason,
  type LogLevel,
} from "@ameide-ext/contract";
import { type InvokeExtensionResponse, Outcome, LogLevel as ProtoLogLevel } from "@ameide-ext/proto";

/**
 * What an invocation used, as the runtime reports it: the contract's InvocationStats, by the same names
 * (durationUs in whole microseconds), but for the output limit, which the wire does not carry.
 */
export type InvokeStats = Omit<InvocationStats, "outputLimitBytes">;

/** One line the guest logged. */
export interface GuestLog {
  level: LogLevel | "unspecified";
  message: string;
}

/** The guest's own refusal: it ran and said no. */
export interface BusinessError {
  /** The guest's code, verbatim (e.g. "MARGIN_TOO_LOW"). */
  code: string;
  /** The guest's message, verbatim. */
  message: string;
  /** The guest's details, parsed, when it gave any. */
  details?: unknown;
}

interface ResultBase {
  /** The version that ran ("3" when "latest" was asked). */
  resolvedVersion: string;
  /**
   * Lowercase hex sha256 of the module that ran: with `resolvedVersion`, what
   * names exactly the code behind the answer (an audit record, a replay).
   * Empty when the runtime could not say.
   */
  moduleSha256: string;
  stats: InvokeStats;
  logs: GuestLog[];
}

/** An invocation whose guest answered. */
export interface OkResult<O> extends ResultBase {
  outcome: "ok";
  /** The guest's output, parsed from JSON. */
  output: O;
}

/** An invocation whose guest refused the input with a business error. Returned, not thrown. */
export interface BusinessErrorResult extends ResultBase {
  outcome: "business_error";
  businessError: BusinessError;
}

/** What {@link RuntimeClient.invoke} resolves with. Technical errors are thrown as ExtensionError instead. */
export type InvokeResult<O = unknown> = OkResult<O> | BusinessErrorResult;

/**
 * One input of a batch the runtime could not answer (a limit, a trap, a
 * deadline, not_found…): the ExtensionError {@link RuntimeClient.invoke}
 * would have thrown, as a value, so the batch's other answers stand.
 */
export interface TechnicalErrorResult extends ResultBase {
  outcome: "technical_error";
  /** The runtime's code and reason; the stats and logs also in `details`. */
  error: ExtensionError;
}

/** One answer of {@link RuntimeClient.invokeMany}: an {@link InvokeResult}, or a technical error as a value. */
export type BatchResult<O = unknown> = InvokeResult<O> | TechnicalErrorResult;

const decoder = new TextDecoder();

const LEVELS: Partial<Record<ProtoLogLevel, LogLevel>> = {
  [ProtoLogLevel.DEBUG]: "debug",
  [ProtoLogLevel.INFO]: "info",
  [ProtoLogLevel.WARN]: "warn",
  [ProtoLogLevel.ERROR]: "error",
};

function parseJson(bytes: Uint8Array, what: string): unknown {
  return parseJsonText(decoder.decode(bytes), what);
}

/** `text` parsed, or the `internal / invalid_output` error naming `what` (the SDK's decoder reads outputs as text). */
export function parseJsonText(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ExtensionError(
      "internal",
      `the runtime returned ${what} that is not JSON: ${(cause as Error).message}`,
      "invalid_output",
    );
  }
}

/**
 * The fields of an InvokeExtensionResponse that reading it needs: the
 * protobuf-es message, or what the SDK's own decoder of a batch's answer
 * reads off the wire (read-answer.ts).
 */
export type ResponseFields = Pick<
  InvokeExtensionResponse,
  | "outcome"
  | "outputJson"
  | "errorCode"
  | "errorMsg"
  | "errorReason"
  | "errorDetailsJson"
  | "resolvedVersion"
  | "moduleSha256"
> & {
  stats?: InvokeExtensionResponse["stats"] | undefined;
  logs: ReadonlyArray<Pick<InvokeExtensionResponse["logs"][number], "level" | "message">>;
};

const guestLog = (l: { level: ProtoLogLevel; message: string }): GuestLog => ({
  level: LEVELS[l.level] ?? "unspecified",
  message: l.message,
});

/** A response's log lines as a result's `logs` (a new array, empty or not). */
export const guestLogs = (logs: ResponseFields["logs"]): GuestLog[] =>
  logs.length === 0 ? [] : logs.map(guestLog);

/** A response's own stats, as numbers (zeros when it has none). */
function statsOf(res: Pick<ResponseFields, "stats">): InvokeStats {
  const s = res.stats;
  return {
    fuelUsed: Number(s?.fuelUsed ?? 0n),
    fuelLimit: Number(s?.fuelLimit ?? 0n),
    peakMemoryBytes: Number(s?.peakMemoryBytes ?? 0n),
    memoryLimitBytes: Number(s?.memoryLimitBytes ?? 0n),
    durationUs: Number(s?.durationUs ?? 0n),
    outputBytes: Number(s?.outputBytes ?? 0n),
    hostCalls: s?.hostCalls ?? 0,
  };
}

/**
 * Reads an InvokeExtensionResponse the same way whatever carried it (Connect,
 * gRPC, gRPC-Web or in-process): an ok or business-error result, or a thrown
 * ExtensionError for a technical error, with its code and reason, and the
 * resolved version, module sha256, stats and logs in `details`.
 */
export function readResponse<O>(res: ResponseFields): InvokeResult<O> {
  const result = readOutcome<O>(res);
  if (result.outcome === "technical_error") throw result.error;
  return result;
}

/**
 * Reads an InvokeExtensionResponse as {@link readResponse} does, but returns
 * a technical error as a {@link TechnicalErrorResult} instead of throwing it:
 * the reading of each answer of a batch, whose stats the batch carries
 * (`stats`, see readBatchResponse).
 */
export function readOutcome<O>(res: ResponseFields, stats: InvokeStats = statsOf(res)): BatchResult<O> {
  // Each outcome's result is one literal (no spread of a shared base): a batch makes hundreds.
  const { resolvedVersion, moduleSha256 } = res;
  const logs = guestLogs(res.logs);
  if (res.outcome === Outcome.OK)
    return {
      resolvedVersion,
      moduleSha256,
      stats,
      logs,
      outcome: "ok",
      output: parseJson(res.outputJson, "output") as O,
    };
  if (res.outcome === Outcome.BUSINESS_ERROR) {
    const businessError: BusinessError = { code: res.errorCode, message: res.errorMsg };
    if (res.errorDetailsJson.length > 0)
      businessError.details = parseJson(res.errorDetailsJson, "error details");
    return { resolvedVersion, moduleSha256, stats, logs, outcome: "business_error", businessError };
  }
  // OUTCOME_TECHNICAL_ERROR, and OUTCOME_UNSPECIFIED, which the proto says to read the same way.
  const error = new ExtensionError(
    isErrorCode(res.errorCode) ? res.errorCode : "internal",
    res.errorMsg || "the runtime reported a technical error without a message",
    isErrorReason(res.errorReason) ? res.errorReason : undefined,
    { resolvedVersion, moduleSha256, stats, logs },
  );
  return { resolvedVersion, moduleSha256, stats, logs, outcome: "technical_error", error };
}
