import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { SourceMap, type SourceMapPayload } from "node:module";
import type { HookLayout } from "../hook-build/hook-layout.js";
import type { HookLanguage } from "../hook-manifest/manifest-schema.js";
import type { HookFs } from "../toolkit-deps.js";
import type { InvocationReport } from "./invoke-hook.js";

/** A source map larger than this is not read: mapping a stack is a courtesy, not worth a big parse. */
export const MAX_SOURCE_MAP_BYTES = 8 * 1024 * 1024;
/** At most this many frames of a stack are mapped; the rest are left as QuickJS wrote them. */
export const MAX_MAPPED_FRAMES = 64;

/** What the PDK logs, at level error, for an exception `run` did not catch (packages/pdk/guest/index.ts). */
const UNHANDLED = "unhandled exception: ";
/** Where the runtime's guest_exception message ends its first clause, before which the hook's line goes. */
const STACK_IN_LOGS = " (its stack is in the logs)";
/** A frame as QuickJS writes it: `    at run (/hook.js:97:37)` or `    at /hook.js:5:3` (1-based line and column). */
const FRAME = /^(\s*at\s+)(?:(.*?)\s+\()?([^\s()]+\.js):(\d+):(\d+)(\)?)\s*$/;

/** A source map ready to look positions up in, and the sources a mapped stack leaves out. */
interface LoadedMap {
  map: SourceMap;
  ignored: ReadonlySet<string>;
}

/** A stack mapped to the hook's sources. */
export interface MappedStack {
  /** The text, each frame of the bundle at its source (`src/index.ts:35:37`), the build's wrapper left out. */
  text: string;
  /** Where the exception was thrown in the hook's sources (the first frame kept), when known. */
  top: string | undefined;
}

/** Maps the stack of a TypeScript hook's uncaught exception to its sources, loading the map on the first one. */
export interface GuestStackMapper {
  /** `report` with its guest_exception's stack and message mapped; any other report as it is. */
  map(report: InvocationReport): Promise<InvocationReport>;
}

/**
 * A mapper for the hook at `layout`: for a `guest_exception` of a TypeScript
 * hook, reads `dist/<id>.js.map` once (what `build` writes; skipped when
 * missing, unreadable, not a regular file (a FIFO, a device) or over
 * {@link MAX_SOURCE_MAP_BYTES}, judged before reading) and rewrites the
 * PDK's `unhandled exception:` log line and the error message with
 * {@link mapStack}. Costs nothing until an invocation throws.
 */
export function createGuestStackMapper(layout: HookLayout, lang: HookLanguage, fs: HookFs): GuestStackMapper {
  let loading: Promise<LoadedMap | undefined> | undefined;
  return {
    async map(report) {
      if (lang !== "typescript" || report.error?.reason !== "guest_exception") return report;
      const at = lastUnhandledLine(report.logs);
      if (at < 0) return report;
      loading ??= loadMap(layout.sourceMap, fs);
      const loaded = await loading;
      if (loaded === undefined) return report;
      const line = report.logs[at] as InvocationReport["logs"][number];
      let mapped: MappedStack;
      try {
        mapped = mapStack(line.message, loaded.map, loaded.ignored);
      } catch {
        return report; // A map that does not describe this bundle: the stack as QuickJS wrote it.
      }
      const { text, top } = mapped;
      const logs = report.logs.map((l, i) => (i === at ? { ...l, message: text } : l));
      const { message } = report.error;
      const located =
        top !== undefined && message.includes(STACK_IN_LOGS)
          ? message.replace(STACK_IN_LOGS, ` at ${top}${STACK_IN_LOGS}`)
          : message;
      return { ...report, logs, error: { ...report.error, message: located } };
    },
  };
}

async function loadMap(file: string, fs: HookFs): Promise<LoadedMap | undefined> {
  try {
    if (!(await isSmallRegularFile(file))) return undefined;
    const bytes = await fs.readBytes(file);
    if (bytes.byteLength > MAX_SOURCE_MAP_BYTES) return undefined;
    const payload = JSON.parse(new TextDecoder().decode(bytes)) as SourceMapPayload & {
      ignoreList?: number[];
    };
    const ignored = new Set((payload.ignoreList ?? []).map((i) => payload.sources[i] ?? ""));
    return { map: new SourceMap(payload), ignored };
  } catch {
    // No map (built before maps were written, or removed): the stack stays as QuickJS wrote it.
    return undefined;
  }
}

/**
 * Whether `file` is a regular file of at most {@link MAX_SOURCE_MAP_BYTES}, asked without reading it and
 * without blocking: a FIFO (or /dev/zero behind a link) in dist/ would otherwise hang the read, and a huge
 * file be read whole before its size is known.
 */
async function isSmallRegularFile(file: string): Promise<boolean> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK).catch(() => undefined);
  if (handle === undefined) return false;
  try {
    const found = await handle.stat();
    return found.isFile() && found.size <= MAX_SOURCE_MAP_BYTES;
  } finally {
    await handle.close();
  }
}

/**
 * `text` with each stack frame in the bundle (`at run (/hook.js:97:37)`)
 * rewritten to its place in the sources the map names
 * (`at run (src/index.ts:35:37)`), frames in `ignored` sources (the build's
 * generated entry and the PDK's runner) left out, frames it cannot place
 * kept as they are; at most {@link MAX_MAPPED_FRAMES} frames are mapped.
 */
export function mapStack(text: string, map: SourceMap, ignored: ReadonlySet<string>): MappedStack {
  let top: string | undefined;
  let frames = 0;
  const lines = text.split("\n").flatMap((line) => {
    const frame = FRAME.exec(line);
    if (frame === null || frames++ >= MAX_MAPPED_FRAMES) return [line];
    const [, indent, name, , l, c] = frame as unknown as [
      string,
      string,
      string | undefined,
      string,
      string,
      string,
    ];
    const entry = map.findEntry(Number(l) - 1, Number(c) - 1) as Partial<{
      generatedLine: number;
      originalSource: string;
      originalLine: number;
      originalColumn: number;
    }>;
    // findEntry falls back to an earlier line's last mapping; only this line's places the frame.
    if (entry.originalSource === undefined || entry.generatedLine !== Number(l) - 1) return [line];
    if (ignored.has(entry.originalSource)) return [];
    const place = `${entry.originalSource}:${(entry.originalLine ?? 0) + 1}:${(entry.originalColumn ?? 0) + 1}`;
    top ??= place;
    return [name === undefined ? `${indent}${place}` : `${indent}${name} (${place})`];
  });
  return { text: lines.join("\n"), top };
}

/** The index of the last `unhandled exception:` error line in a guest log, or -1 (ES2022: no findLastIndex). */
function lastUnhandledLine(logs: InvocationReport["logs"]): number {
  for (let i = logs.length - 1; i >= 0; i--) {
    const l = logs[i] as InvocationReport["logs"][number];
    if (l.level === "error" && l.message.startsWith(UNHANDLED)) return i;
  }
  return -1;
}
