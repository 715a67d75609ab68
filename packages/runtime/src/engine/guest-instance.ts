import {
  type ErrorReason,
  ExtensionError,
  type ExtensionErrorData,
  formatBytes,
  HOST_STRING_CAPS,
  restoreFuel,
} from "@ameide-ext/contract";
import { DEPTH_EXPORT, FUEL_EXPORT, INIT_FUEL_DEFAULT, TRAP_EXPORT } from "../wasm/instrument-module.js";
import type { CompiledCore } from "./compile-extension.js";
import { createGuestLog, type GuestLog } from "./guest-log.js";
import { chargeHostBytes, checkHostString } from "./host-bytes.js";
import { newInstanceFuel } from "./new-instance-fuel.js";
import { checkOutputSize, classifyFailure, judgePayload } from "./run-outcome.js";
import type { BusinessError, GuestLogLine, Outcome } from "./types.js";

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

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });
const lenientDecoder = new TextDecoder("utf-8");
/** Fuel given to a module's start and initialize functions (the same as the instrumenter's default). */
const INIT_FUEL = INIT_FUEL_DEFAULT;

interface Exports {
  run: (ptr: number, len: number) => number;
  postReturn: ((ret: number) => void) | undefined;
  realloc: (oldPtr: number, oldSize: number, align: number, newSize: number) => number;
  memory: WebAssembly.Memory;
  fuel: WebAssembly.Global;
  depth: WebAssembly.Global;
  trap: WebAssembly.Global;
  globals: WebAssembly.Global[];
}

interface RunState {
  opts: GuestRunOptions;
  log: GuestLog;
  hostCalls: number;
  /** An error raised by the host side, which wins over the trap it causes. */
  pending: ExtensionError | undefined;
}

function techError(
  code: ExtensionError["code"],
  reason: ErrorReason,
  message: string,
  details?: Record<string, unknown>,
): ExtensionError {
  return new ExtensionError(code, message, reason, details);
}

/**
 * Instantiates a compiled extension with the host API, takes a snapshot of its
 * memory and mutable globals after initialisation, and restores it before each
 * run. An instance that trapped, or whose memory grew, is replaced. Given a
 * `seed` (another thread's {@link GuestInstance.snapshot}; by default the
 * load's, `compiled.seed`), even the first instance is made from it, and no
 * guest code runs to make any.
 */
export function createGuestInstance(compiled: CompiledCore, seed = compiled.seed): GuestInstance {
  const { abi } = compiled;
  let state: RunState | undefined;
  let ex!: Exports;
  let snapshot = new Uint8Array(0);
  let globalsSnapshot: Array<number | bigint>;
  /** Fuel the start and initialize functions used, and how many times they ran. */
  let startFuel = 0;
  let startRuns = 0;
  let dirty = false;
  let broken = true;
  let instantiations = 0;
  /** Fuel for the new instance made after a trap or a memory growth, owed until an invocation pays it in full. */
  let owed = 0;
  /** True once a snapshot exists, taken here or seeded, from which later instances are made. */
  let snapshotted = false;
  if (seed && compiled.restartModule !== undefined) {
    snapshot = seed.memory;
    globalsSnapshot = seed.globals;
    startFuel = seed.startFuel;
    snapshotted = true;
  }

  const view = (ptr: number, len: number): Uint8Array => {
    const buf = ex.memory.buffer;
    if (ptr < 0 || len < 0 || ptr + len > buf.byteLength) {
      throw techError(
        "resource_exhausted",
        "trap",
        `the guest passed an out-of-bounds string (${ptr}+${len})`,
      );
    }
    return new Uint8Array(buf, ptr, len);
  };
  /** Decodes a string the guest hands the host, refusing it on its length alone when over `cap`; charged per byte. */
  const readString = (ptr: number, len: number, cap: number, what: string) => {
    checkHostString(len >>> 0, cap, what);
    const bytes = view(ptr >>> 0, len >>> 0);
    chargeHostBytes(ex.fuel, bytes.length);
    return lenientDecoder.decode(bytes);
  };

  const writeResult = (retPtr: number, answer: HostCallAnswer) => {
    const isOk = "ok" in answer;
    const bytes = encoder.encode(isOk ? answer.ok : answer.err);
    chargeHostBytes(ex.fuel, bytes.length);
    const ptr = ex.realloc(0, 0, 1, bytes.length) >>> 0;
    view(ptr, bytes.length).set(bytes);
    const dv = new DataView(ex.memory.buffer);
    if (retPtr + 12 > dv.byteLength)
      throw techError("resource_exhausted", "trap", "the guest passed an out-of-bounds return area");
    dv.setUint8(retPtr, isOk ? 0 : 1);
    dv.setUint32(retPtr + 4, ptr, true);
    dv.setUint32(retPtr + 8, bytes.length, true);
  };

  const host = {
    log(levelPtr: number, levelLen: number, msgPtr: number, msgLen: number) {
      const s = state;
      if (!s) return;
      const bytes = msgLen >>> 0;
      try {
        const level = readString(levelPtr, levelLen, HOST_STRING_CAPS.levelBytes, "log level");
        // Over the log's cap, the line is only counted: no need to decode it.
        const message = s.log.fits(bytes) ? readString(msgPtr, msgLen, bytes, "log message") : "";
        s.log.add(level, message, bytes);
      } catch (cause) {
        s.pending = ExtensionError.from(cause);
        throw s.pending;
      }
    },
    call(sp: number, sl: number, mp: number, ml: number, rp: number, rl: number, retPtr: number) {
      const s = state;
      if (!s) throw techError("internal", "trap", "host call outside an invocation");
      try {
        const service = readString(sp, sl, HOST_STRING_CAPS.nameBytes, "host call service name");
        const method = readString(mp, ml, HOST_STRING_CAPS.nameBytes, "host call method name");
        const request = readString(rp, rl, HOST_STRING_CAPS.requestBytes, "host call request");
        s.hostCalls++;
        if (!s.opts.hostCall) {
          throw techError(
            "permission_denied",
            "host_call_denied",
            `host call ${service}.${method} refused: no host calls are available here`,
          );
        }
        writeResult(retPtr >>> 0, s.opts.hostCall(service, method, request));
      } catch (cause) {
        s.pending = ExtensionError.from(cause);
        throw s.pending;
      }
    },
  };

  const imports = {
    "ameide:extension/host@1.0.0": host,
    "cm32p2|ameide:extension/host@1": host,
  } as unknown as WebAssembly.Imports;

  const bind = (instance: WebAssembly.Instance) => {
    const e = instance.exports as Record<string, unknown>;
    ex = {
      run: e[abi.run] as Exports["run"],
      postReturn: abi.postReturn ? (e[abi.postReturn] as Exports["postReturn"]) : undefined,
      realloc: e[abi.realloc] as Exports["realloc"],
      memory: e[abi.memory] as WebAssembly.Memory,
      fuel: e[FUEL_EXPORT] as WebAssembly.Global,
      depth: e[DEPTH_EXPORT] as WebAssembly.Global,
      trap: e[TRAP_EXPORT] as WebAssembly.Global,
      globals: compiled.snapshotGlobals.map((n) => e[n] as WebAssembly.Global),
    };
    return e;
  };

  /** The first instance (or one whose tables only its start can rebuild): start and initialize run here, under INIT_FUEL. */
  const instantiateFully = () => {
    const e = bind(new WebAssembly.Instance(compiled.module, imports));
    let used = INIT_FUEL - (ex.fuel.value as bigint);
    if (abi.initialize) {
      ex.fuel.value = INIT_FUEL;
      (e[abi.initialize] as () => void)();
      used += INIT_FUEL - (ex.fuel.value as bigint);
    }
    startFuel = Number(used);
    startRuns++;
    ex.depth.value = 0;
    ex.trap.value = 0;
    snapshot = new Uint8Array(ex.memory.buffer.slice(0));
    globalsSnapshot = ex.globals.map((g) => g.value as number | bigint);
    snapshotted = true;
  };

  /** Every later instance: from the module without its start, the snapshot restored into it; no guest code runs. */
  const instantiateFromSnapshot = (restartModule: WebAssembly.Module) => {
    bind(new WebAssembly.Instance(restartModule, imports));
    const missing = snapshot.length - ex.memory.buffer.byteLength;
    if (missing > 0) ex.memory.grow(missing / 65536);
    restoreState();
  };

  const instantiate = () => {
    if (snapshotted && compiled.restartModule !== undefined) instantiateFromSnapshot(compiled.restartModule);
    else instantiateFully();
    if (instantiations > 0 && !compiled.freshInstance) owed = newInstanceFuel([compiled]);
    instantiations++;
    broken = false;
    dirty = false;
  };

  const restoreState = () => {
    new Uint8Array(ex.memory.buffer).set(snapshot);
    for (let i = 0; i < ex.globals.length; i++)
      (ex.globals[i] as WebAssembly.Global).value = globalsSnapshot[i];
    ex.depth.value = 0;
    ex.trap.value = 0;
  };

  /** True when a restored snapshot is not enough: no instance yet, a trap, memory growth, or tables that may have changed. */
  const needsInstance = () =>
    broken || (dirty && compiled.freshInstance) || ex.memory.buffer.byteLength !== snapshot.length;

  const reset = () => {
    if (needsInstance()) {
      instantiate();
      return;
    }
    if (!dirty) return;
    restoreState();
    dirty = false;
  };

  /**
   * Fuel charged before the guest's first instruction: the restore of its
   * memory (by size, see restoreFuel), a new instance made for this invocation
   * (see newInstanceFuel), plus its start and initialize functions when each
   * invocation runs them again (a module whose tables they may write).
   */
  const startCharge = () =>
    restoreFuel(snapshot.length) +
    freshCharge() +
    owed +
    (compiled.freshInstance && compiled.restartModule === undefined ? startFuel : 0);

  /**
   * Fuel for the new instance each invocation of a `freshInstance` module
   * makes (see newInstanceFuel: its tables, made anew, above all). Known
   * before any work, so a budget it is over refuses the run before the
   * instance is made.
   */
  const freshCharge = () => (compiled.freshInstance ? newInstanceFuel([compiled]) : 0);

  /** The result when the charge alone is over the budget: the guest does not run, and its instance stays clean. */
  const overBudget = (s: RunState, charge: number, fuel: number): GuestRunResult => ({
    outcome: "technical_error",
    error: techError(
      "resource_exhausted",
      "fuel",
      `fuel exhausted before the guest ran: starting it (its ${formatBytes(snapshot.length)} memory restored, its start function if it runs again, a new instance if it needed one) costs ${charge} instructions, the budget is ${fuel}`,
      { limit: fuel, charge },
    ).toJSON(),
    fuelUsed: fuel,
    memoryBytes: ex.memory.buffer.byteLength,
    outputBytes: 0,
    hostCalls: 0,
    logs: s.log.finish(),
  });

  const classify = (cause: unknown, s: RunState, fuel: number): ExtensionError =>
    classifyFailure(cause, s.pending, ex.trap.value as number, fuel, compiled.memoryLimitBytes);

  const finishOutput = (
    retPtr: number,
    s: RunState,
  ): Omit<GuestRunResult, "fuelUsed" | "memoryBytes" | "hostCalls" | "logs"> => {
    const dv = new DataView(ex.memory.buffer);
    if (retPtr + 12 > dv.byteLength)
      throw techError("internal", "invalid_output", "run returned an out-of-bounds result area");
    const disc = dv.getUint8(retPtr);
    const ptr = dv.getUint32(retPtr + 4, true);
    const len = dv.getUint32(retPtr + 8, true);
    if (disc > 1)
      throw techError(
        "internal",
        "invalid_output",
        `run returned discriminant ${disc}; a result is 0 (ok) or 1 (err)`,
      );
    checkOutputSize(len, s.opts.outputLimitBytes);
    let text: string;
    try {
      text = strictDecoder.decode(view(ptr, len));
    } catch (cause) {
      if (cause instanceof ExtensionError) throw techError("internal", "invalid_output", cause.message);
      throw techError("internal", "invalid_output", "the output is not valid UTF-8");
    }
    return judgePayload(disc === 0, text, len);
  };

  return {
    get instantiations() {
      return instantiations;
    },
    get startRuns() {
      return startRuns;
    },
    get ready() {
      return !needsInstance();
    },
    get startsWithoutGuestCode() {
      return !needsInstance() || (snapshotted && compiled.restartModule !== undefined);
    },
    snapshot() {
      if (!snapshotted || compiled.restartModule === undefined) return undefined;
      return { memory: snapshot, globals: globalsSnapshot, startFuel };
    },
    warm() {
      if (needsInstance()) instantiate();
    },
    clean() {
      // A restore only: making a new instance is warm()'s work, which the pool bounds on its own.
      if (state === undefined && dirty && !needsInstance()) reset();
    },
    run(opts) {
      const s: RunState = {
        opts,
        log: createGuestLog(opts.logLines, opts.logBytes),
        hostCalls: 0,
        pending: undefined,
      };
      const fuel = BigInt(opts.fuel);
      let result: GuestRunResult;
      try {
        if (freshCharge() >= opts.fuel) return overBudget(s, freshCharge(), opts.fuel);
        reset();
        const charge = BigInt(startCharge());
        // Owed until an invocation pays it in full: a refusal that paid it would leave the instance made for
        // nothing, and a trap and a refusal at the smallest budget would make one over and over.
        if (charge >= fuel) return overBudget(s, Number(charge), opts.fuel);
        owed = 0;
        state = s;
        dirty = true;
        ex.fuel.value = fuel - charge;
        const inPtr = ex.realloc(0, 0, 1, opts.input.length) >>> 0;
        view(inPtr, opts.input.length).set(opts.input);
        const retPtr = ex.run(inPtr, opts.input.length) >>> 0;
        const out = finishOutput(retPtr, s);
        ex.postReturn?.(retPtr);
        result = {
          ...out,
          fuelUsed: Number(fuel - (ex.fuel.value as bigint)),
          memoryBytes: ex.memory.buffer.byteLength,
          hostCalls: s.hostCalls,
          logs: s.log.finish(),
        };
      } catch (cause) {
        const err = classify(cause, s, opts.fuel);
        if (instantiations === 0) throw err;
        const left = ex.fuel.value as bigint;
        broken = true;
        result = {
          outcome: "technical_error",
          error: err.toJSON(),
          fuelUsed: err.reason === "fuel" ? opts.fuel : Math.max(0, Math.min(opts.fuel, Number(fuel - left))),
          memoryBytes: ex.memory.buffer.byteLength,
          outputBytes: 0,
          hostCalls: s.hostCalls,
          logs: s.log.finish(),
        };
      } finally {
        state = undefined;
      }
      return result;
    },
  };
}
