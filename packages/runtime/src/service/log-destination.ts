import { type DestinationStream, pino } from "pino";

/** Longest wait for buffered log lines to reach their file descriptor when the process ends, in milliseconds. */
export const LOG_FLUSH_MS = 500;

/** Most log bytes held in memory while nobody reads the pipe; newer lines are dropped past it. */
export const LOG_BUFFER_MAX_BYTES = 16 * 1024 * 1024;

/** The service's log sink: buffered JSON lines on a file descriptor, whose writes and flush never block. */
export interface LogDestination {
  /** What pino writes to. */
  readonly stream: DestinationStream;
  /**
   * Writes what is buffered, waiting at most `timeoutMs` (default {@link LOG_FLUSH_MS}). When nobody
   * reads the pipe and it is full, it gives up on the rest, and so does pino's exit hook (its
   * `flushSync` would otherwise spin forever): the process can exit. Resolves true when all was written.
   */
  flush(timeoutMs?: number): Promise<boolean>;
}

/**
 * Buffered, asynchronous writes to `fd` (default 1, stdout): one write per 4 KiB of log rather than
 * per line, flushed at least every half second; the thread never waits for the reader.
 */
export function createLogDestination(fd = 1): LogDestination {
  ensureNonBlocking(fd);
  const stream = pino.destination({
    dest: fd,
    sync: false,
    minLength: 4096,
    maxLength: LOG_BUFFER_MAX_BYTES,
  });
  const timer = setInterval(() => {
    ensureNonBlocking(fd);
    stream.flush();
  }, 500).unref();
  return {
    stream,
    flush(timeoutMs = LOG_FLUSH_MS) {
      clearInterval(timer);
      ensureNonBlocking(fd);
      return new Promise<boolean>((resolve) => {
        const giveUp = setTimeout(() => {
          // Lines logged from now on are buffered (up to the cap) and never written: exiting is what matters.
          stream.flushSync = () => {};
          resolve(false);
        }, timeoutMs);
        giveUp.unref();
        try {
          stream.flush((err) => {
            clearTimeout(giveUp);
            resolve(err == null);
          });
        } catch {
          clearTimeout(giveUp);
          resolve(false);
        }
      });
    },
  };
}

/** The part of Node's stdio handle used here (a `Pipe` or `TCP` handle; a file's has none). */
interface StdioHandle {
  setBlocking?: (blocking: boolean) => number;
}

/**
 * Puts stdout or stderr, when it is a pipe or a socket, in non-blocking mode, as Node's own handle
 * on it does when it is opened. Again and again, because a child process that inherits the
 * descriptor (an esbuild service, say) is started with it in blocking mode, which the two
 * processes share. Left blocking, a write to a full pipe blocks the libuv thread that makes it,
 * and then the process cannot exit: Node waits for those threads at exit.
 */
function ensureNonBlocking(fd: number): void {
  const stream = fd === 1 ? process.stdout : fd === 2 ? process.stderr : undefined;
  // A terminal is left as Node keeps it (blocking, so a shell gets it back as it was).
  if (stream === undefined || stream.isTTY) return;
  const handle = (stream as { _handle?: StdioHandle })._handle;
  handle?.setBlocking?.(false);
}
