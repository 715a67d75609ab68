import path from "node:path";
import { ExtensionError, fromConnectError } from "@ameide-ext/contract";
import { type InvokeExtensionResponse, LogLevel, Outcome, WasmExtensionRuntime } from "@ameide-ext/proto";
import { type Client, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import type { CliDeps } from "../deps.js";
import { readInside } from "../files/confined-files.js";
import { configSources, DEFAULT_TENANT, readConfigFile } from "../registry/registry-settings.js";
import { CALL_TIMEOUT_MS, READ_MAX_BYTES } from "./read-limits.js";

/** Options of {@link invokeExtension}. */
export interface InvokeExtensionOptions {
  /** The extension's id, within the tenant. */
  extension: string;
  /** The input document: a JSON file, or `-` for stdin. */
  input: string;
  /** The version to run: an exact one such as "3", or "latest" (the default) for the newest promoted to `env`. */
  version?: string | undefined;
  /** The environment the invocation acts in (`ctx.env`). Default "dev". */
  env?: string | undefined;
  /** The tenant (`ctx.tenantId`). Default `$AMEIDE_TENANT`, else the config file's, else "local". */
  tenant?: string | undefined;
  /** The runtime's URL. Default `$AMEIDE_RUNTIME_URL`, else the config file's `runtime_url`. */
  runtime?: string | undefined;
  /** The runtime caller token. Default `$AMEIDE_RUNTIME_TOKEN`, else the file the config's `runtime_token_file` names. */
  runtimeToken?: string | undefined;
  /** The CLI config file (found as for the registry commands when unset). */
  config?: string | undefined;
  /** A client to use instead of one over HTTP (tests). */
  client?: Client<typeof WasmExtensionRuntime> | undefined;
  /** The call's deadline in milliseconds (then `deadline_exceeded`). Default {@link CALL_TIMEOUT_MS}. */
  timeoutMs?: number | undefined;
}

/** What one invocation through the runtime service gave, decoded: `invoke --json` prints it. */
export interface InvokeExtensionResult {
  /** True when the outcome is "ok". */
  ok: boolean;
  extensionId: string;
  /** The version that ran, e.g. "3" for "latest". */
  resolvedVersion: string;
  /** Lowercase hex sha256 of the module that ran. */
  moduleSha256: string;
  /** The outcome of spec 479 §6.5. */
  outcome: "ok" | "business_error" | "technical_error";
  /** The guest's output, parsed, when the outcome is "ok"; else null. */
  output: unknown;
  /** The business or technical error; null when the outcome is "ok". */
  error: { code: string; reason: string | null; message: string; details?: unknown } | null;
  /** What the invocation used, against its limits. */
  stats: {
    fuelUsed: number;
    fuelLimit: number;
    peakMemoryBytes: number;
    memoryLimitBytes: number;
    durationUs: number;
    outputBytes: number;
    hostCalls: number;
  };
  /** The guest's log lines. */
  logs: Array<{ level: string; message: string }>;
}

/** Where the runtime is, who calls, for whom. */
export interface RuntimeSettings {
  url: string;
  token: string | undefined;
  tenant: string;
}

const decoder = new TextDecoder();

/**
 * Runs one extension version once through the runtime service (what a
 * Process, Domain or Agent primitive does): reads the input file, checks it is
 * JSON, encodes the `InvokeExtensionRequest` (`inputJson` is bytes), calls
 * `InvokeExtension` and decodes the answer. The runtime's URL and token come
 * from the options, the environment, or the config file `ameide-ext dev`
 * writes. An unreadable or non-JSON input, or no runtime URL, is
 * `invalid_argument`; a runtime that cannot be reached is `unavailable`. An
 * invocation that ran and failed is a result with `ok: false`.
 */
export async function invokeExtension(
  options: InvokeExtensionOptions,
  deps: CliDeps,
): Promise<InvokeExtensionResult> {
  const inputJson = await readInput(options.input, deps);
  const settings = await resolveRuntimeSettings(options, deps);
  const client = options.client ?? connectClient(settings, options.timeoutMs ?? CALL_TIMEOUT_MS);
  const version = options.version ?? "latest";
  let res: InvokeExtensionResponse;
  try {
    res = await client.invokeExtension({
      extensionId: options.extension,
      version,
      ctx: { tenantId: settings.tenant, env: options.env ?? "dev", actorType: "USER", userId: "ameide-ext" },
      inputJson,
    });
  } catch (cause) {
    throw fromFailedCall(cause, settings.url);
  }
  return decodeResponse(options.extension, res);
}

async function readInput(file: string, deps: CliDeps): Promise<Uint8Array> {
  let text: string;
  try {
    text = file === "-" ? await deps.readStdin() : await deps.fs.readText(path.resolve(deps.cwd, file));
  } catch (cause) {
    throw new ExtensionError(
      "invalid_argument",
      `--input ${file} cannot be read: ${(cause as Error).message}; pass a JSON file, or - for stdin`,
      "invalid_input",
    );
  }
  try {
    JSON.parse(text);
  } catch (cause) {
    throw new ExtensionError(
      "invalid_argument",
      `--input ${file} is not JSON: ${(cause as Error).message}; the input is one JSON document`,
      "invalid_input",
    );
  }
  return new TextEncoder().encode(text);
}

/** The runtime's URL, token and tenant: the flags, else the environment, else the config file `dev` writes. */
export async function resolveRuntimeSettings(
  options: Pick<InvokeExtensionOptions, "runtime" | "runtimeToken" | "tenant" | "config">,
  deps: CliDeps,
): Promise<RuntimeSettings> {
  const found = await readConfigFile(options, deps);
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  const url = options.runtime ?? str(deps.env.AMEIDE_RUNTIME_URL) ?? str(found.doc.runtime_url);
  if (url === undefined)
    throw new ExtensionError(
      "invalid_argument",
      `no runtime URL: pass --runtime <url>, set AMEIDE_RUNTIME_URL, or ${configSources(found, "runtime_url")}`,
    );
  if (!/^https?:\/\/\S+$/.test(url))
    throw new ExtensionError(
      "invalid_argument",
      `the runtime URL ${JSON.stringify(url)} must start with http:// or https://`,
    );
  let token = options.runtimeToken ?? str(deps.env.AMEIDE_RUNTIME_TOKEN);
  const tokenFile = str(found.doc.runtime_token_file);
  if (token === undefined && tokenFile !== undefined && found.file !== undefined) {
    const file = path.resolve(path.dirname(found.file), tokenFile);
    try {
      // Not through a link, and inside the config's folder: the file discovery checked may not be swapped since.
      const linked = (f: string) =>
        new ExtensionError("permission_denied", `${f} leads out of ${path.dirname(found.file as string)}`);
      const read = await readInside(path.dirname(found.file), file, true, linked);
      token = read.data.toString("utf8").trim() || undefined;
    } catch (cause) {
      throw new ExtensionError(
        "invalid_argument",
        `the runtime token file ${file} (runtime_token_file of ${found.file}) cannot be read: ${(cause as Error).message}; restart \`npx ameide-ext dev\`, which writes it`,
      );
    }
  }
  const tenant = options.tenant ?? str(deps.env.AMEIDE_TENANT) ?? str(found.doc.tenant) ?? DEFAULT_TENANT;
  return { url: url.replace(/\/+$/, ""), token, tenant };
}

/**
 * A client of the runtime at `settings.url`: each call ends `deadline_exceeded` after `timeoutMs`, and an
 * answer over {@link READ_MAX_BYTES} (decompressed too: a gzip bomb) is refused with `resource_exhausted`.
 */
function connectClient(settings: RuntimeSettings, timeoutMs: number): Client<typeof WasmExtensionRuntime> {
  return createClient(
    WasmExtensionRuntime,
    createConnectTransport({
      baseUrl: settings.url,
      httpVersion: "1.1",
      readMaxBytes: READ_MAX_BYTES,
      defaultTimeoutMs: timeoutMs,
      interceptors: [
        (next) => (req) => {
          if (settings.token !== undefined) req.header.set("authorization", `Bearer ${settings.token}`);
          return next(req);
        },
      ],
    }),
  );
}

/** A failed call: the request never became an invocation (unreachable, refused caller, bad request). */
function fromFailedCall(cause: unknown, url: string): ExtensionError {
  const error = fromConnectError(cause);
  if (error.code === "unavailable")
    return new ExtensionError(
      "unavailable",
      `the runtime at ${url} cannot be reached (${error.message}); start it with \`npx ameide-ext dev\`, or pass --runtime <url>`,
    );
  if (error.code === "deadline_exceeded" && error.reason === undefined)
    return new ExtensionError(
      "deadline_exceeded",
      `the runtime at ${url} did not answer in time (${error.message}); check that it is up and not overloaded, then retry`,
    );
  return error;
}

function decodeResponse(extensionId: string, res: InvokeExtensionResponse): InvokeExtensionResult {
  const outcome =
    res.outcome === Outcome.OK
      ? "ok"
      : res.outcome === Outcome.BUSINESS_ERROR
        ? "business_error"
        : "technical_error";
  const s = res.stats;
  const result: InvokeExtensionResult = {
    ok: outcome === "ok",
    extensionId,
    resolvedVersion: res.resolvedVersion,
    moduleSha256: res.moduleSha256,
    outcome,
    output: null,
    error: null,
    stats: {
      fuelUsed: Number(s?.fuelUsed ?? 0),
      fuelLimit: Number(s?.fuelLimit ?? 0),
      peakMemoryBytes: Number(s?.peakMemoryBytes ?? 0),
      memoryLimitBytes: Number(s?.memoryLimitBytes ?? 0),
      durationUs: Number(s?.durationUs ?? 0),
      outputBytes: Number(s?.outputBytes ?? 0),
      hostCalls: s?.hostCalls ?? 0,
    },
    logs: res.logs.map((l) => ({
      level: LogLevel[l.level]?.toLowerCase() ?? "info",
      message: l.message,
    })),
  };
  if (outcome === "ok") result.output = JSON.parse(decoder.decode(res.outputJson));
  else {
    const error: NonNullable<InvokeExtensionResult["error"]> = {
      code: res.errorCode,
      reason: res.errorReason === "" ? null : res.errorReason,
      message: res.errorMsg,
    };
    if (res.errorDetailsJson.byteLength > 0) error.details = JSON.parse(decoder.decode(res.errorDetailsJson));
    result.error = error;
  }
  return result;
}
