import { ExtensionError, type ExtensionErrorData } from "@ameide-ext/contract";
import { classifyFailure, reclassifyGuestException } from "../invoke/run-outcome.js";
import type { BusinessError, GuestLogLine, Outcome } from "../types.js";
import { createGuestLog, type GuestLog } from "./guest-log.js";

/** A host call's answer, as the guest receives it. */
export type HostCallAnswer = { ok: string } | { err: string };

/**
 * Answers one host call synchronously (the guest is blocked meanwhile). Throw
 * an ExtensionError to end the invocation with it (policy refusals, time-outs).
 */
export type SyncHostCall = (service: string, method: string, requestJson: string) => HostCallAnswer;

/** Options of one {@link GuestInstance.run}. */
export interface GuestRunOptions {
  /** The input JSON, UTF-8. */
  input: Uint8Array;
  /** Fuel budget. */
  fuel: number;
  /** Largest output, in bytes. */
  outputLimitBytes: number;
  /** Log volume kept, in bytes. */
  logBytes: number;
  /** Log lines kept. */
  logLines: number;
  /** Answers host calls; when absent, a host call ends the invocation with `permission_denied`. */
  hostCall: SyncHostCall | undefined;
}

/** What one run produced, before the engine adds timing. */
export interface GuestRunResult {
  outcome: Outcome;
  output?: string;
  businessError?: BusinessError;
  error?: ExtensionErrorData;
  fuelUsed: number;
  memoryBytes: number;
  outputBytes: number;
  hostCalls: number;
  logs: GuestLogLine[];
}

/** What a run's guest code produced: the payload, before the lifecycle adds the counts. */
export type GuestPayload = Omit<GuestRunResult, "fuelUsed" | "memoryBytes" | "hostCalls" | "logs">;

/**
 * What a core guest's first instance leaves for later ones: its memory and
 * mutable globals after its start and initialize functions, and the fuel they
 * used. Plain data: a load worker hands it to the thread that serves, which
 * then makes its instances from it without running guest code.
 */
export interface GuestSnapshot {
  memory: Uint8Array<ArrayBuffer>;
  globals: Array<number | bigint>;
  startFuel: number;
}

/** One guest, ready to run; every run starts from the same pristine state. */
export interface GuestInstance {
  /**
   * The snapshot taken after the first instance's start and initialize
   * functions, once there is one and later instances are made from it;
   * undefined otherwise (a linked component; a module whose start may write
   * its tables).
   */
  snapshot(): GuestSnapshot | undefined;
  run(options: GuestRunOptions): GuestRunResult;
  /**
   * Instantiates now (start and initialize functions included) when the next
   * run needs a new instance (none yet, or the last run trapped or grew
   * memory), so that run starts from a snapshot restore; throws what
   * instantiation throws.
   */
  warm(): void;
  /** False when the next run needs a new instance first (what {@link warm} makes). */
  readonly ready: boolean;
  /**
   * True when no guest code runs before the next run's first instruction:
   * the instance is ready, or a new one would be made from the snapshot. False
   * when making it runs start or initialize functions (no instance yet; a
   * linked component; a module whose start may write its tables): work that
   * must not land on a caller's thread unbounded.
   */
  readonly startsWithoutGuestCode: boolean;
  /**
   * Restores the snapshot now, if the last run left the instance dirty and a
   * restore is enough: what the next run would otherwise do first. For idle
   * time, right after a result is sent, so the copy is off the next
   * invocation's latency. A new instance (after a trap or memory growth) is
   * left to {@link warm} or the next run.
   */
  clean(): void;
  /** Count of instantiations so far (1 + one per trap or memory growth). */
  readonly instantiations: number;
  /**
   * Count of runs of the module's start and initialize functions: 1 once
   * instantiated, as later instances are made from the snapshot (except for
   * a module that writes tables from them, which runs them in each).
   */
  readonly startRuns: number;
}

/**
 * The state of the run in progress, which the host side (log, call) reads and
 * writes. Its log is made on the first line: most runs log nothing.
 */
export class RunState {
  hostCalls = 0;
  /** An error raised by the host side, which wins over the trap it causes. */
  pending: ExtensionError | undefined = undefined;
  private kept: GuestLog | undefined = undefined;
  constructor(readonly opts: GuestRunOptions) {}
  /** The run's log, made on first use. */
  get log(): GuestLog {
    this.kept ??= createGuestLog(this.opts.logLines, this.opts.logBytes);
    return this.kept;
  }
  /** The log's lines (see GuestLog.finish); none when nothing was logged. */
  finishLog(): GuestLogLine[] {
    return this.kept === undefined ? [] : this.kept.finish();
  }
}

/**
 * What differs between the shapes of guest (one core module; a component
 * linked through its glue): how one instantiates, restores, charges and runs.
 * The rest of an instance's life (when to make a new instance, when a restore
 * is enough, what a new instance owes, the over-budget and failure results)
 * is {@link createInstanceLifecycle}'s.
 */
export interface InstanceShape {
  /** True when each run needs a new instance: its tables or segments change, which a restore does not undo. */
  readonly fresh: boolean;
  /** The memory cap, for a memory.grow failure's error. */
  readonly memoryLimitBytes: number;
  /**
   * Makes a new live instance (from a snapshot, or running start and
   * initialize functions); throws what instantiation throws. Returns the
   * fuel the next run pays for it when it is not the first (newInstanceFuel),
   * or 0 when another charge covers it.
   */
  instantiate(): number;
  /** True when the live instance's memory no longer has its snapshot's size, so a restore is not enough. */
  grown(): boolean;
  /** Restores the snapshot into the live instance. */
  restore(): void;
  /** True when a new instance is made without running guest code (from a snapshot). */
  restartsWithoutGuestCode(): boolean;
  /** Fuel charged before any instance is made or restored: a budget it is over refuses the run first. */
  chargeBefore(): number;
  /** Fuel charged before the guest's first instruction, once its instance is ready (not counting what a new one owes). */
  startCharge(): number;
  /** What starting the guest does, for the over-budget error ("starting it (...)"). */
  describeStart(): string;
  /** Bytes of the live instance's memories. */
  memoryBytes(): number;
  /** The live fuel counter's value (undefined with no live instance). */
  fuelLeft(): bigint | undefined;
  /** The live instance's trap reason (see TrapReason; 0 with no live instance). */
  trapReason(): number;
  /**
   * Runs the guest on the live instance with `fuel` on its counter; throws what the run throws. Returns a
   * payload object of its own, which the lifecycle completes into the run's result.
   */
  execute(s: RunState, fuel: bigint): GuestPayload;
  snapshot(): GuestSnapshot | undefined;
  /** See {@link GuestInstance.startRuns}. */
  startRuns(): number;
}

/**
 * Runs a host-side check for the guest: an error it throws ends the
 * invocation (and wins over the trap it causes).
 */
export function guarded<T>(s: RunState, check: () => T): T {
  try {
    return check();
  } catch (cause) {
    s.pending = ExtensionError.from(cause);
    throw s.pending;
  }
}

/** Counts a host call and asks the run's answerer; refuses it when there is none. Throws what it throws. */
export function askHost(s: RunState, service: string, method: string, requestJson: string): HostCallAnswer {
  s.hostCalls++;
  if (!s.opts.hostCall) {
    throw new ExtensionError(
      "permission_denied",
      `host call ${service}.${method} refused: no host calls are available here`,
      "host_call_denied",
    );
  }
  return s.opts.hostCall(service, method, requestJson);
}

/**
 * The life of a guest instance, whatever its shape: made (and made again
 * after a trap, a memory growth, or each run when `fresh`), restored to its
 * snapshot before each run and, off the latency, right after one (clean);
 * each run charged for its start, including what a new instance made for it
 * owes; a budget the charge alone is over refused before the guest runs. The
 * shape gets the run in progress through `current` for its host functions.
 * `remade`: this thread had an instance of the same load before and a cache
 * evicted it, so even the first instance made here is a new one the run pays
 * for (else rotating more loads than a cache holds rebuilds them for free).
 */
export function createInstanceLifecycle(
  makeShape: (current: () => RunState | undefined) => InstanceShape,
  remade = false,
): GuestInstance {
  let state: RunState | undefined;
  const shape = makeShape(() => state);
  let dirty = false;
  let broken = true;
  let instantiations = 0;
  /** Fuel for the new instance made after a trap or a memory growth (or for each run of a fresh one), owed until a run pays it in full. */
  let owed = 0;

  const instantiate = () => {
    const cost = shape.instantiate();
    if (instantiations > 0 || remade) owed = cost;
    instantiations++;
    broken = false;
    dirty = false;
  };

  /** True when a restored snapshot is not enough: no instance yet, a trap, memory growth, or tables that may have changed. */
  const needsInstance = () => broken || (dirty && shape.fresh) || shape.grown();

  const reset = () => {
    if (needsInstance()) {
      instantiate();
      return;
    }
    if (!dirty) return;
    shape.restore();
    dirty = false;
  };

  /** The result when the charge alone is over the budget: the guest does not run, and its instance stays clean. */
  const overBudget = (s: RunState, charge: number, fuel: number): GuestRunResult => ({
    outcome: "technical_error",
    error: new ExtensionError(
      "resource_exhausted",
      `fuel exhausted before the guest ran: ${shape.describeStart()} costs ${charge} instructions, the budget is ${fuel}`,
      "fuel",
      { limit: fuel, charge },
    ).toJSON(),
    fuelUsed: fuel,
    memoryBytes: shape.memoryBytes(),
    outputBytes: 0,
    hostCalls: 0,
    logs: s.finishLog(),
  });

  /** The result of a run that failed (trap, limit, host refusal): the instance is made again before the next. */
  const failed = (cause: unknown, s: RunState): GuestRunResult => {
    const budget = s.opts.fuel;
    const fuel = BigInt(budget);
    const err = classifyFailure(cause, s.pending, shape.trapReason(), budget, shape.memoryLimitBytes);
    if (instantiations === 0) throw err;
    const left = shape.fuelLeft() ?? fuel;
    broken = true;
    const logs = s.finishLog();
    const error = reclassifyGuestException(err, logs);
    return {
      outcome: "technical_error",
      error: error.toJSON(),
      fuelUsed: err.reason === "fuel" ? budget : Math.max(0, Math.min(budget, Number(fuel - left))),
      memoryBytes: shape.memoryBytes(),
      outputBytes: 0,
      hostCalls: s.hostCalls,
      logs,
    };
  };

  return {
    get instantiations() {
      return instantiations;
    },
    get startRuns() {
      return shape.startRuns();
    },
    get ready() {
      return !needsInstance();
    },
    get startsWithoutGuestCode() {
      return !needsInstance() || shape.restartsWithoutGuestCode();
    },
    snapshot: () => shape.snapshot(),
    warm() {
      if (needsInstance()) instantiate();
    },
    clean() {
      // A restore only: making a new instance is warm()'s work, which the pool bounds on its own.
      if (state === undefined && dirty && !needsInstance()) reset();
    },
    run(opts) {
      const s = new RunState(opts);
      try {
        const before = shape.chargeBefore();
        if (before >= opts.fuel) return overBudget(s, before, opts.fuel);
        reset();
        const charge = shape.startCharge() + owed;
        if (charge >= opts.fuel) return overBudget(s, charge, opts.fuel);
        // Owed until an invocation pays it in full: a refusal that paid it would leave the instance made for
        // nothing, and a trap and a refusal at the smallest budget would make one over and over.
        owed = 0;
        state = s;
        dirty = true;
        const result = shape.execute(s, BigInt(opts.fuel - charge)) as GuestRunResult;
        const left = shape.fuelLeft();
        result.fuelUsed = left === undefined ? 0 : opts.fuel - Number(left);
        result.memoryBytes = shape.memoryBytes();
        result.hostCalls = s.hostCalls;
        result.logs = s.finishLog();
        return result;
      } catch (cause) {
        return failed(cause, s);
      } finally {
        state = undefined;
      }
    },
  };
}
