/** Per-call latency figures of one measured path, in microseconds. */
export interface LatencySummary {
  /** Median. */
  p50Us: number;
  /** 99th percentile. */
  p99Us: number;
  /** Arithmetic mean. */
  meanUs: number;
  /** Calls timed. */
  samples: number;
}
