import path from "node:path";
import { type ErrorCode, ExtensionError, isErrorCode } from "@ameide-ext/contract";
import type { InvocationRecording } from "@ameide-ext/runtime";
import {
  hookReplayModule,
  noRecordings,
  type ReplayModule,
  type ReplayReport,
  type ReplaySource,
  replayRecordings,
} from "@ameide-ext/toolkit";
import type { CliDeps } from "../deps.js";
import { type RuntimeSettings, resolveRuntimeSettings } from "./invoke-extension.js";
import { CALL_TIMEOUT_MS, READ_MAX_BYTES, readBodyCapped, readJsonCapped } from "./read-limits.js";

/** Options of {@link replayInvocations}: what `ameide-ext replay` parsed. */
export interface ReplayInvocationsOptions {
  /** A recording file, or a folder of them. Unset: `from` must be "runtime". */
  recording?: string | undefined;
  /** "runtime": read the recordings from the runtime (`--extension`, `--since`). */
  from?: string | undefined;
  /** The extension whose recordings to read from the runtime. */
  extension?: string | undefined;
  /** How far back: a duration (`90s`, `30m`, `1h`, `2d`) or an ISO 8601 time. Default 1h. */
  since?: string | undefined;
  /** Most recordings read from the runtime. Default 1,000. */
  limit?: number | undefined;
  /** A hook folder, or a version of the same extension, to run instead of the recorded module. */
  against?: string | undefined;
  /** The recorded module as a file, instead of asking the runtime for it. */
  module?: string | undefined;
  runtime?: string | undefined;
  runtimeToken?: string | undefined;
  tenant?: string | undefined;
  config?: string | undefined;
  /** The fetch to reach the runtime with. Default the global fetch. */
  fetch?: typeof fetch | undefined;
  /**
   * The deadline of each read from the runtime, its body included, in milliseconds (then `deadline_exceeded`).
   * Default {@link CALL_TIMEOUT_MS}. Each answer is read up to {@link READ_MAX_BYTES} (then `resource_exhausted`).
   */
  timeoutMs?: number | undefined;
  /** Told the recordings read, before they run (e.g. to collect their modules' sha256s for `--attach`). */
  onRecordings?: ((recordings: readonly InvocationRecording[]) => void) | undefined;
}

/** The default of `--since`. */
export const DEFAULT_SINCE = "1h";
const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since` as an ISO time: a duration back from `now`, or an ISO 8601 time as given. */
export function sinceTime(since: string, now: number): string {
  const m = /^(\d+)([smhd])$/.exec(since);
  if (m) return new Date(now - Number(m[1]) * (UNITS[m[2] as string] as number)).toISOString();
  const t = Date.parse(since);
  if (!Number.isNaN(t) && /^\d{4}-\d\d-\d\d/.test(since)) return new Date(t).toISOString();
  throw new ExtensionError(
    "invalid_argument",
    `--since is ${JSON.stringify(since)}; give a duration such as 30m, 1h or 2d, or an ISO 8601 time`,
    "invalid_input",
    { field: "since" },
  );
}

/**
 * `ameide-ext replay`: reads recordings (a file, a folder of them, or the
 * runtime's, tenant-scoped by the caller token), then runs each in a local
 * engine (replayRecordings): against the recorded module (`--module`, else
 * the runtime's copy, checked by its sha256) it asserts the same output and
 * fuel; `--against` a hook folder or a version reports the differences.
 */
export async function replayInvocations(
  options: ReplayInvocationsOptions,
  deps: CliDeps,
): Promise<ReplayReport> {
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? CALL_TIMEOUT_MS;
  let runtime: RuntimeSettings | undefined;
  const connect = async () => {
    runtime ??= await resolveRuntimeSettings(options, deps);
    return runtime;
  };
  const get = async (route: string): Promise<Response> => {
    const rt = await connect();
    let res: Response;
    try {
      res = await fetchImpl(`${rt.url}${route}`, {
        headers: rt.token === undefined ? {} : { authorization: `Bearer ${rt.token}` },
        // Bounds the body's read too: the signal aborts the stream.
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      if ((cause as Error).name === "TimeoutError")
        throw new ExtensionError(
          "deadline_exceeded",
          `the runtime at ${rt.url} did not answer ${routeName(route)} in ${timeoutMs} ms; check that it is up, then retry`,
        );
      throw new ExtensionError(
        "unavailable",
        `the runtime at ${rt.url} cannot be reached (${(cause as Error).message}); start it with \`npx ameide-ext dev\`, or pass --runtime <url>`,
      );
    }
    if (!res.ok) throw await refusal(res, route);
    return res;
  };
  const getJson = async (route: string): Promise<unknown> =>
    readJsonCapped(await get(route), READ_MAX_BYTES, answerName(route));

  const recordings = await readRecordings(options, deps, getJson);
  if (recordings.length === 0)
    throw noRecordings(
      options.recording
        ? `in ${options.recording}`
        : `of ${options.extension} since ${options.since ?? DEFAULT_SINCE}`,
    );
  options.onRecordings?.(recordings.map((r) => r.recording));

  const moduleOfVersion = async (r: InvocationRecording, version: string): Promise<Uint8Array> => {
    const q = new URLSearchParams({ tenant: r.tenant_id, extension: r.extension_id, version });
    const route = `/v1/module?${q}`;
    return readBodyCapped(await get(route), READ_MAX_BYTES, answerName(route));
  };
  let against: ReplayModule | undefined;
  const againstIsDir =
    options.against !== undefined && (await deps.fs.kind(path.resolve(deps.cwd, options.against))) === "dir";
  if (againstIsDir) against = await hookReplayModule(options.against, deps);
  const recordedModule = options.module
    ? await deps.fs.readBytes(path.resolve(deps.cwd, options.module)).catch((cause: unknown) => {
        throw new ExtensionError(
          "invalid_argument",
          `--module ${options.module} cannot be read: ${(cause as Error).message}`,
          "invalid_input",
        );
      })
    : undefined;

  return replayRecordings({
    recordings,
    against:
      options.against === undefined
        ? undefined
        : againstIsDir
          ? options.against
          : `version ${options.against}`,
    async moduleFor(r) {
      if (against) return against;
      if (options.against !== undefined)
        return { label: `version ${options.against}`, bytes: await moduleOfVersion(r, options.against) };
      return { label: "the recorded module", bytes: recordedModule ?? (await moduleOfVersion(r, r.version)) };
    },
  });
}

/** The recordings named: a file, every `.json` file of a folder, or the runtime's. */
async function readRecordings(
  options: ReplayInvocationsOptions,
  deps: CliDeps,
  getJson: (route: string) => Promise<unknown>,
): Promise<ReplaySource[]> {
  // Imported here: the runtime's sources are large, and every other command starts without them.
  const { checkRecording } = await import("@ameide-ext/runtime");
  if (options.recording !== undefined) {
    if (options.from !== undefined)
      throw new ExtensionError(
        "invalid_argument",
        "give a recording file or --from runtime, not both",
        "invalid_input",
      );
    const abs = path.resolve(deps.cwd, options.recording);
    const kind = await deps.fs.kind(abs);
    if (kind === undefined)
      throw new ExtensionError(
        "not_found",
        `${options.recording} does not exist: give a recording file or a folder of them`,
      );
    const files =
      kind === "dir"
        ? (await deps.fs.readdir(abs))
            .filter((n) => n.endsWith(".json"))
            .sort()
            .map((n) => path.join(abs, n))
        : [abs];
    const out: ReplaySource[] = [];
    for (const file of files) {
      const shown = path.relative(deps.cwd, file) || file;
      let doc: unknown;
      try {
        doc = JSON.parse(await deps.fs.readText(file));
      } catch (cause) {
        throw new ExtensionError(
          "invalid_argument",
          `${shown} is not JSON: ${(cause as Error).message}`,
          "invalid_input",
        );
      }
      out.push({ source: shown, recording: checkRecording(doc, shown) });
    }
    return out;
  }
  if (options.from !== "runtime")
    throw new ExtensionError(
      "invalid_argument",
      options.from === undefined
        ? "give a recording file (or folder), or --from runtime --extension <id>"
        : `--from is ${JSON.stringify(options.from)}; the one source is runtime`,
      "invalid_input",
    );
  if (options.extension === undefined)
    throw new ExtensionError("invalid_argument", "--from runtime needs --extension <id>", "invalid_input");
  const tenant = (await resolveRuntimeSettings(options, deps)).tenant;
  const since = sinceTime(options.since ?? DEFAULT_SINCE, Date.now());
  const q = new URLSearchParams({
    tenant,
    extension: options.extension,
    since,
    limit: String(options.limit ?? 1000),
  });
  const { recordings: keys } = (await getJson(`/v1/recordings?${q}`)) as { recordings: string[] };
  const out: ReplaySource[] = [];
  for (const key of keys) {
    const doc = await getJson(`/v1/recording?${new URLSearchParams({ key })}`);
    out.push({ source: key, recording: checkRecording(doc, key) });
  }
  return out;
}

/** A route's path, without its query: what an error names. */
function routeName(route: string): string {
  return route.split("?")[0] as string;
}

/** How an error names the runtime's answer to `route`. */
function answerName(route: string): string {
  return `the runtime's answer to ${routeName(route)}`;
}

/** The most of a refusal's body read: its JSON error is a few hundred bytes. */
const REFUSAL_MAX_BYTES = 64 * 1024;

/** The runtime's refusal of a read, as the ExtensionError it carries. */
async function refusal(res: Response, route: string): Promise<ExtensionError> {
  const body = (await readJsonCapped(res, REFUSAL_MAX_BYTES, answerName(route)).catch(() => undefined)) as
    | { error?: { code?: string; reason?: string | null; message?: string } }
    | undefined;
  const e = body?.error;
  const code: ErrorCode = e?.code !== undefined && isErrorCode(e.code) ? e.code : "unavailable";
  return ExtensionError.from({
    code,
    message: `the runtime refused ${routeName(route)}: ${e?.message ?? `HTTP ${res.status}`}`,
    ...(e?.reason ? { reason: e.reason } : {}),
  });
}
