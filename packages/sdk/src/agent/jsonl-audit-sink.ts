import { type FileHandle, mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";
import { ExtensionError } from "@ameide-ext/contract";
import type { AuditRecord, AuditSink } from "./audit-record.js";

/** Options of {@link createJsonlAuditSink}. */
export interface JsonlAuditSinkOptions {
  /** The file's mode when the sink creates it. Default 0o600: records hold inputs and outputs. */
  mode?: number | undefined;
}

/** An audit sink that appends one JSON line per record to a file. */
export interface JsonlAuditSink extends AuditSink {
  /** The file. */
  readonly path: string;
  /** Appends the record as one line; resolves once the line is written, rejects when it cannot be. */
  write(record: AuditRecord): Promise<void>;
  /** Waits for the pending lines and closes the file (a later write opens it again). */
  close(): Promise<void>;
}

/**
 * A record as one line of JSON for every reader: JSON.stringify escapes \n and \r but leaves U+0085,
 * U+2028 and U+2029 raw, which line splitters such as Python's str.splitlines() break on, so a hostile
 * input could start a forged record. Escaped, they read back the same.
 */
function toJsonLine(record: AuditRecord): string {
  return JSON.stringify(record).replace(
    /[\u0085\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Creates a JSON Lines audit sink: each record is one line of JSON appended
 * to `path` (opened in append mode, created with its folder when missing;
 * never truncated, never rewritten), in the order `write` was called.
 */
export function createJsonlAuditSink(path: string, options: JsonlAuditSinkOptions = {}): JsonlAuditSink {
  if (typeof path !== "string" || path === "")
    throw new ExtensionError(
      "invalid_argument",
      "the audit file's path is empty; give a file path",
      "invalid_input",
    );
  const mode = options.mode ?? 0o600;
  let handle: Promise<FileHandle> | undefined;
  let tail: Promise<void> = Promise.resolve();
  const file = () => {
    handle ??= mkdir(dirname(path), { recursive: true }).then(() => open(path, "a", mode));
    // A failed open is retried by the next write.
    handle.catch(() => {
      handle = undefined;
    });
    return handle;
  };
  const append = async (line: string) => {
    await (await file()).appendFile(line, "utf8");
  };
  return {
    path,
    write(record) {
      let line: string;
      try {
        line = `${toJsonLine(record)}\n`;
      } catch (cause) {
        return Promise.reject(cause);
      }
      const written = tail.then(() => append(line));
      tail = written.catch(() => undefined);
      return written;
    },
    async close() {
      await tail;
      const open = handle;
      handle = undefined;
      if (open) await (await open).close();
    },
  };
}
