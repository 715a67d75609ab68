import { ExtensionError } from "@ameide-ext/contract";

/** The most endpoints one client takes. */
export const MAX_ENDPOINTS = 32;

/** How long an endpoint that answered `unavailable` is set aside, by default, in milliseconds. */
export const DEFAULT_SET_ASIDE_MS = 2_000;

/** Options of {@link createEndpointPool}. */
export interface EndpointPoolOptions {
  /** Time an endpoint is set aside after it failed, in milliseconds. Default 2,000; bounds 0..60,000. */
  setAsideMs?: number | undefined;
  /** The clock, in milliseconds. Default performance.now. */
  now?: (() => number) | undefined;
}

/** Round-robin over a fixed list of endpoints, setting aside those that failed. */
export interface EndpointPool {
  /**
   * The index of the endpoint for the next attempt: the next in turn that is
   * not set aside; when every one is, the one whose time aside ends first.
   */
  pick(): number;
  /** Sets an endpoint aside for `setAsideMs`: it failed (not reachable, or draining). */
  setAside(index: number): void;
}

/**
 * A client's endpoints (`baseUrls`): each attempt goes to the next in turn,
 * so load spreads over the replicas; one that fails with `unavailable` is
 * skipped for `setAsideMs`, so a dead replica costs one failed attempt per
 * client per period, not one in N calls. Checked here: 1..{@link MAX_ENDPOINTS} endpoints.
 */
export function createEndpointPool(size: number, options: EndpointPoolOptions = {}): EndpointPool {
  if (!Number.isInteger(size) || size < 1 || size > MAX_ENDPOINTS)
    throw new ExtensionError(
      "invalid_argument",
      `baseUrls has ${size} endpoints, it must have 1 to ${MAX_ENDPOINTS}`,
      "invalid_input",
    );
  const setAsideMs = options.setAsideMs ?? DEFAULT_SET_ASIDE_MS;
  if (!Number.isFinite(setAsideMs) || setAsideMs < 0 || setAsideMs > 60_000)
    throw new ExtensionError(
      "invalid_argument",
      `failover.setAsideMs is ${setAsideMs}, it must be from 0 to 60000`,
      "invalid_input",
    );
  const now = options.now ?? (() => performance.now());
  const asideUntil = new Array<number>(size).fill(0);
  let next = 0;
  return {
    pick() {
      const t = now();
      for (let i = 0; i < size; i++) {
        const index = (next + i) % size;
        if ((asideUntil[index] as number) <= t) {
          next = (index + 1) % size;
          return index;
        }
      }
      let soonest = 0;
      for (let i = 1; i < size; i++)
        if ((asideUntil[i] as number) < (asideUntil[soonest] as number)) soonest = i;
      next = (soonest + 1) % size;
      return soonest;
    },
    setAside(index) {
      asideUntil[index] = now() + setAsideMs;
    },
  };
}
