import { ExtensionError } from "@ameide-ext/contract";

/** The states of a breaker. */
export type CircuitState = "closed" | "open" | "half_open";

/** A state change, as it is logged. */
export interface CircuitChange {
  /** The breaker's key: "<tenant>/<extension>/<version>". */
  key: string;
  from: CircuitState;
  to: CircuitState;
  /** Consecutive technical errors when it changed. */
  failures: number;
}

/** Options of {@link createCircuitBreakers}. */
export interface CircuitBreakerOptions {
  /** Consecutive technical errors that open a breaker. Default 5; bounds 1..10,000. */
  failureThreshold?: number;
  /** Time an open breaker refuses calls before it lets one probe through, in milliseconds. Default 30,000. */
  coolDownMs?: number;
  /** The clock, in milliseconds. Default performance.now. */
  now?: () => number;
  /** Called on every state change. */
  onChange?: (change: CircuitChange) => void;
}

/** Permission to run one call; give it back with its result. */
export interface CircuitPermit {
  readonly key: string;
  /** True for the one call let through a half-open breaker. */
  readonly probe: boolean;
}

/** One circuit breaker per key. */
export interface CircuitBreakers {
  /**
   * Asks to run a call. Throws `unavailable/circuit_open` while the breaker is
   * open, and, once half-open, for every call but the one probe.
   */
  admit(key: string): CircuitPermit;
  /** Reports how a call admitted by {@link admit} went: `failed` for a technical error. */
  record(permit: CircuitPermit, failed: boolean): void;
  /**
   * Opens a breaker now, whatever its failures (an SLO's fast burn, slo-guard.ts): it refuses calls for a
   * cool-down, then lets one probe through as usual. `why` goes into the refusals' message. No-op when open.
   */
  trip(key: string, why: string): void;
  /** The state of one breaker. */
  state(key: string): CircuitState;
  /** Forgets breakers whose keys `keep` rejects (after a catalog reload). */
  prune(keep: (key: string) => boolean): void;
}

interface Breaker {
  state: CircuitState;
  failures: number;
  openedAt: number;
  probing: boolean;
  /** Why it was tripped (trip), until it closes; undefined when it opened on consecutive errors. */
  tripped?: string | undefined;
}

/**
 * Circuit breakers (spec 479 §6.5): a breaker opens after `failureThreshold`
 * consecutive technical errors; while open, calls are refused at once with
 * `unavailable/circuit_open`; after `coolDownMs` it is half-open and lets one
 * probe through: a probe that does not fail technically closes it, one that
 * fails opens it again for another cool-down.
 */
export function createCircuitBreakers(options: CircuitBreakerOptions = {}): CircuitBreakers {
  const threshold = options.failureThreshold ?? 5;
  const coolDownMs = options.coolDownMs ?? 30_000;
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > 10_000)
    throw new RangeError(`failureThreshold is ${threshold}, it must be an integer from 1 to 10000`);
  if (!Number.isFinite(coolDownMs) || coolDownMs < 1)
    throw new RangeError(`coolDownMs is ${coolDownMs}, it must be at least 1`);
  const now = options.now ?? (() => performance.now());
  const breakers = new Map<string, Breaker>();

  const move = (key: string, b: Breaker, to: CircuitState) => {
    const from = b.state;
    b.state = to;
    if (to === "open") b.openedAt = now();
    if (to === "closed") {
      b.failures = 0;
      b.tripped = undefined;
    }
    options.onChange?.({ key, from, to, failures: b.failures });
  };

  const refuse = (key: string, b: Breaker): ExtensionError =>
    new ExtensionError(
      "unavailable",
      `${key} is switched off by its circuit breaker ${b.tripped ?? `after ${b.failures} consecutive technical errors`}; it retries in ${Math.max(0, Math.ceil(b.openedAt + coolDownMs - now()))} ms`,
      "circuit_open",
      { key, state: b.state },
    );

  return {
    admit(key) {
      const b = breakers.get(key);
      if (!b || b.state === "closed") return { key, probe: false };
      if (b.state === "open") {
        if (now() - b.openedAt < coolDownMs) throw refuse(key, b);
        move(key, b, "half_open");
      }
      if (b.probing) throw refuse(key, b);
      b.probing = true;
      return { key, probe: true };
    },
    record(permit, failed) {
      let b = breakers.get(permit.key);
      if (permit.probe) {
        if (!b) return;
        b.probing = false;
        if (failed) {
          b.failures++;
          move(permit.key, b, "open");
        } else move(permit.key, b, "closed");
        return;
      }
      if (b && b.state !== "closed") return; // a late result from before the breaker opened
      if (!failed) {
        // A closed breaker with no failures holds no state: the map stays as small as the trouble.
        if (b) breakers.delete(permit.key);
        return;
      }
      if (!b) {
        b = { state: "closed", failures: 0, openedAt: 0, probing: false };
        breakers.set(permit.key, b);
      }
      b.failures++;
      if (b.failures >= threshold) move(permit.key, b, "open");
    },
    trip(key, why) {
      let b = breakers.get(key);
      if (b?.state === "open") return;
      if (!b) {
        b = { state: "closed", failures: 0, openedAt: 0, probing: false };
        breakers.set(key, b);
      }
      b.probing = false;
      b.tripped = why;
      move(key, b, "open");
    },
    state(key) {
      return breakers.get(key)?.state ?? "closed";
    },
    prune(keep) {
      for (const key of [...breakers.keys()]) if (!keep(key)) breakers.delete(key);
    },
  };
}
