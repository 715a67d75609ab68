import { type DestinationStream, pino } from "pino";

/** Longest wait for buffered log lines to reach stdout when the process ends, in milliseconds. */
export const LOG_FLUSH_MS = 500;

/** The service's log sink: buffered JSON lines on a file descriptor, with a flush that cannot hang. */
export interface LogDestination {
  /** What pino writes to. */
  readonly stream: DestinationStream;
  /**
   * Writes what is buffered, waiting at most `timeoutMs` (default {@link LOG_FLUSH_MS}). When nobody
   * reads the pipe and it is full, the rest is dropped and the stream closed, so the process can
   * exit (pino's own exit hook would otherwise `flushSync` forever). Resolves true when all was written.
   */
  flush(timeoutMs?: number): Promise<boolean>;
}

/** Buffered: one write per 4 KiB of log rather than per line, flushed at least every half second. */
export function createLogDestination(fd = 1): LogDestination {
  const stream = pino.destination({ dest: fd, sync: false, minLength: 4096 });
  const timer = setInterval(() => stream.flush(), 500).unref();
  return {
    stream,
    flush(timeoutMs = LOG_FLUSH_MS) {
      clearInterval(timer);
      return new Promise<boolean>((resolve) => {
        const giveUp = setTimeout(() => {
          // destroy() marks the stream destroyed at once: pino's exit hook then skips its flushSync.
          stream.destroy();
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
