import { LOG_LEVELS, type LogLevel } from "@ameide-ext/contract";
import { formatBytes } from "../invoke/resolve-limits.js";
import type { GuestLogLine } from "../types.js";

const LEVELS: ReadonlySet<string> = new Set(LOG_LEVELS);

/** One invocation's log: lines kept up to the caps, the rest counted and reported by one marker line. */
export interface GuestLog {
  /** True when a line of `bytes` bytes would still be kept (so the caller can skip decoding it). */
  fits(bytes: number): boolean;
  /** Keeps a line, or counts it as dropped when over a cap. An unknown level becomes "info". */
  add(level: string, message: string, bytes: number): void;
  /** The kept lines, with a marker line at the end when any were dropped. */
  finish(): GuestLogLine[];
}

/** Creates a {@link GuestLog} capped at `maxLines` lines and `maxBytes` bytes. */
export function createGuestLog(maxLines: number, maxBytes: number): GuestLog {
  const lines: GuestLogLine[] = [];
  let bytesKept = 0;
  let droppedLines = 0;
  let droppedBytes = 0;
  const fits = (bytes: number) => lines.length < maxLines && bytesKept + bytes <= maxBytes;
  return {
    fits,
    add(level, message, bytes) {
      if (!fits(bytes)) {
        droppedLines++;
        droppedBytes += bytes;
        return;
      }
      bytesKept += bytes;
      lines.push({ level: (LEVELS.has(level) ? level : "info") as LogLevel, message });
    },
    finish() {
      if (droppedLines > 0) {
        lines.push({
          level: "warn",
          message: `[log truncated: ${droppedLines} more line(s), ${droppedBytes} byte(s) dropped; the limits are ${maxLines} lines and ${formatBytes(maxBytes)}]`,
        });
      }
      return lines;
    },
  };
}
