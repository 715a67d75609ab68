import { ExtensionError, formatBytes, HOST_STRING_CAPS, restoreFuel } from "@ameide-ext/contract";
import {
  DEPTH_EXPORT,
  FUEL_EXPORT,
  FUEL_LEFT_EXPORT,
  INIT_FUEL_DEFAULT,
  START_EXPORT,
  TRAP_EXPORT,
} from "../../wasm/instrument-module.js";
import { isJsonBytes } from "../invoke/json-bytes.js";
import { checkOutputSize, judgePayload, techError } from "../invoke/run-outcome.js";
import type { CompiledCore } from "../load/compile-extension.js";
import { chargeHostBytes, checkHostString } from "./host-bytes.js";
import {
  askHost,
  createInstanceLifecycle,
  type GuestInstance,
  type GuestPayload,
  type GuestRunResult,
  type GuestSnapshot,
  guarded,
  type HostCallAnswer,
  type InstanceShape,
  type RunState,
} from "./instance-lifecycle.js";
import { newInstanceFuel } from "./new-instance-fuel.js";

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });
/** A placeholder the lifecycle replaces with the run's own log lines. */
const NO_LOGS: GuestRunResult["logs"] = [];
/**
 * Node's UTF-8 decoding of a byte range, for bytes known to be well-formed UTF-8 (isJsonBytes says so,
 * and that they have no byte order mark): the string TextDecoder makes of them, without its checks.
 */
const utf8Slice = Buffer.prototype.utf8Slice as (this: Uint8Array, start: number, end: number) => string;
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
  /** The injected START_EXPORT: `(fuel, ...globals)`, which sets fuel, depth, trap and globals in one call. */
  start: ((...args: Array<number | bigint>) => void) | undefined;
  /** The fuel counter's value: the injected FUEL_LEFT_EXPORT when there is a start export, else the global's getter. */
  fuelLeft: () => bigint;
}

/**
 * Instantiates a compiled extension with the host API, takes a snapshot of its
 * memory and mutable globals after initialisation, and restores it before each
 * run. An instance that trapped, or whose memory grew, is replaced (see
 * createInstanceLifecycle). Given a `seed` (another thread's
 * {@link GuestInstance.snapshot}), even the first instance is made from it, and
 * no guest code runs to make any.
 */
export function createGuestInstance(
  compiled: CompiledCore,
  seed = compiled.seed,
  remade = false,
): GuestInstance {
  return createInstanceLifecycle((current) => coreShape(compiled, seed, current), remade);
}

/** The one-module shape: the ABI's exports, one memory, a snapshot later instances start from. */
function coreShape(
  compiled: CompiledCore,
  seed: GuestSnapshot | undefined,
  current: () => RunState | undefined,
): InstanceShape {
  const { abi } = compiled;
  let ex: Exports | undefined;
  let snapshot = new Uint8Array(0);
  let globalsSnapshot: Array<number | bigint> = [];
  /** The start export's arguments: the run's fuel, then the snapshot's globals (see setGlobalsSnapshot). */
  let startArgs: Array<number | bigint> = [0n];
  const setGlobalsSnapshot = (values: Array<number | bigint>) => {
    globalsSnapshot = values;
    startArgs = [0n, ...values];
  };
  /** Fuel the start and initialize functions used, and how many times they ran. */
  let startFuel = 0;
  let startRuns = 0;
  /** True once a snapshot exists, taken here or seeded, from which later instances are made. */
  let snapshotted = false;
  /** The snapshot's bytes up to its last non-zero one; the rest is zeros, which a restore fills rather than copies. */
  let snapshotHead = snapshot;
  const takeSnapshot = (memory: Uint8Array<ArrayBuffer>) => {
    snapshot = memory;
    snapshotHead = memory.subarray(0, nonZeroEnd(memory));
  };
  if (seed && compiled.restartModule !== undefined) {
    takeSnapshot(seed.memory);
    setGlobalsSnapshot(seed.globals);
    startFuel = seed.startFuel;
    snapshotted = true;
  }
  /** The live instance's exports; only called while there is one. */
  const live = (): Exports => ex as Exports;

  const { bytes, readString, writeResult, forget } = guestMemory(live);

  const host = coreHost(current, readString, writeResult);

  const imports = {
    "ameide:extension/host@1.0.0": host,
    "cm32p2|ameide:extension/host@1": host,
  } as unknown as WebAssembly.Imports;

  const bind = (instance: WebAssembly.Instance) => {
    const e = instance.exports as Record<string, unknown>;
    forget();
    ex = {
      run: e[abi.run] as Exports["run"],
      postReturn: abi.postReturn ? (e[abi.postReturn] as Exports["postReturn"]) : undefined,
      realloc: e[abi.realloc] as Exports["realloc"],
      memory: e[abi.memory] as WebAssembly.Memory,
      fuel: e[FUEL_EXPORT] as WebAssembly.Global,
      depth: e[DEPTH_EXPORT] as WebAssembly.Global,
      trap: e[TRAP_EXPORT] as WebAssembly.Global,
      globals: compiled.snapshotGlobals.map((n) => e[n] as WebAssembly.Global),
      start: compiled.startExport ? (e[START_EXPORT] as Exports["start"]) : undefined,
      fuelLeft: compiled.startExport
        ? (e[FUEL_LEFT_EXPORT] as () => bigint)
        : () => (e[FUEL_EXPORT] as WebAssembly.Global).value as bigint,
    };
    return { e, ex };
  };

  /** The first instance (or one whose tables only its start can rebuild): start and initialize run here, under INIT_FUEL. */
  const instantiateFully = () => {
    const { e, ex } = bind(new WebAssembly.Instance(compiled.module, imports));
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
    takeSnapshot(new Uint8Array(ex.memory.buffer.slice(0)));
    setGlobalsSnapshot(ex.globals.map((g) => g.value as number | bigint));
    snapshotted = true;
  };

  /** Every later instance: from the module without its start, the snapshot restored into it; no guest code runs. */
  const instantiateFromSnapshot = (restartModule: WebAssembly.Module) => {
    const { ex } = bind(new WebAssembly.Instance(restartModule, imports));
    const missing = snapshot.length - ex.memory.buffer.byteLength;
    if (missing > 0) ex.memory.grow(missing / 65536);
    restoreState();
  };

  /**
   * The snapshot's memory, and its globals, depth and trap when the module has
   * no start export; with one, `execute` sets those (and the fuel) in its one
   * call, which every run makes first, so nothing reads them in between.
   */
  const restoreState = () => {
    const l = live();
    // The memory as the snapshot: its head copied, the zeros after it filled (a memset: no read of the snapshot).
    const memory = bytes();
    memory.set(snapshotHead);
    if (snapshotHead.length < snapshot.length) memory.fill(0, snapshotHead.length, snapshot.length);
    if (l.start !== undefined) return;
    for (let i = 0; i < l.globals.length; i++)
      (l.globals[i] as WebAssembly.Global).value = globalsSnapshot[i];
    l.depth.value = 0;
    l.trap.value = 0;
  };

  /**
   * Fuel for the new instance each invocation of a `freshInstance` module
   * makes (see newInstanceFuel: its tables, made anew, above all). Known
   * before any work, so a budget it is over refuses the run before the
   * instance is made.
   */
  const freshCharge = () => (compiled.freshInstance ? newInstanceFuel([compiled]) : 0);

  return {
    fresh: compiled.freshInstance,
    memoryLimitBytes: compiled.memoryLimitBytes,
    instantiate() {
      if (snapshotted && compiled.restartModule !== undefined)
        instantiateFromSnapshot(compiled.restartModule);
      else instantiateFully();
      // A freshInstance module's new instance is charged to each run (freshCharge), not owed.
      return compiled.freshInstance ? 0 : newInstanceFuel([compiled]);
    },
    grown: () => bytes().byteLength !== snapshot.length,
    restore: restoreState,
    restartsWithoutGuestCode: () => snapshotted && compiled.restartModule !== undefined,
    chargeBefore: freshCharge,
    /**
     * The restore of its memory (by size, see restoreFuel), a new instance
     * made for this invocation (see newInstanceFuel), plus its start and
     * initialize functions when each invocation runs them again (a module
     * whose tables they may write).
     */
    startCharge: () =>
      restoreFuel(snapshot.length) +
      freshCharge() +
      (compiled.freshInstance && compiled.restartModule === undefined ? startFuel : 0),
    describeStart: () =>
      `starting it (its ${formatBytes(snapshot.length)} memory restored, its start function if it runs again, a new instance if it needed one)`,
    memoryBytes: () => (ex === undefined ? 0 : bytes().byteLength),
    fuelLeft: () => ex?.fuelLeft(),
    trapReason: () => (ex?.trap.value as number | undefined) ?? 0,
    execute(s, fuel) {
      const l = live();
      if (l.start === undefined) l.fuel.value = fuel;
      else {
        // One call: the fuel, depth and trap, and the snapshot's globals (a no-op after a new instance).
        startArgs[0] = fuel;
        Reflect.apply(l.start, undefined, startArgs);
      }
      const inPtr = l.realloc(0, 0, 1, s.opts.input.length) >>> 0;
      const memory = bytes();
      if (inPtr + s.opts.input.length > memory.byteLength)
        throw techError(
          "resource_exhausted",
          "trap",
          `the guest passed an out-of-bounds string (${inPtr}+${s.opts.input.length})`,
        );
      memory.set(s.opts.input, inPtr);
      const retPtr = l.run(inPtr, s.opts.input.length) >>> 0;
      const out = finishOutput(bytes(), retPtr, s);
      l.postReturn?.(retPtr);
      return out;
    },
    snapshot() {
      if (!snapshotted || compiled.restartModule === undefined) return undefined;
      return { memory: snapshot, globals: globalsSnapshot, startFuel };
    },
    startRuns: () => startRuns,
  };
}

/** The index after the last non-zero byte of `bytes` (0 when all are zero). */
function nonZeroEnd(bytes: Uint8Array): number {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return end;
}

/** Reads and writes the live instance's memory for the host: strings the guest hands over, answers it gets. */
function guestMemory(live: () => Exports) {
  // A view over the live memory, kept while it is valid: growth detaches the buffer (the view's length
  // becomes 0) and a new instance has a memory of its own (forget).
  let mem = new Uint8Array(0);
  const bytes = (): Uint8Array => {
    if (mem.byteLength === 0) mem = new Uint8Array(live().memory.buffer);
    return mem;
  };
  const forget = () => {
    mem = new Uint8Array(0);
  };
  const view = (ptr: number, len: number): Uint8Array => {
    const all = bytes();
    if (ptr < 0 || len < 0 || ptr + len > all.byteLength) {
      throw techError(
        "resource_exhausted",
        "trap",
        `the guest passed an out-of-bounds string (${ptr}+${len})`,
      );
    }
    return all.subarray(ptr, ptr + len);
  };
  /** Decodes a string the guest hands the host, refusing it on its length alone when over `cap`; charged per byte. */
  const readString = (ptr: number, len: number, cap: number, what: string) => {
    checkHostString(len >>> 0, cap, what);
    const bytes = view(ptr >>> 0, len >>> 0);
    chargeHostBytes(live().fuel, bytes.length);
    return lenientDecoder.decode(bytes);
  };

  const writeResult = (retPtr: number, answer: HostCallAnswer) => {
    const isOk = "ok" in answer;
    const bytes = encoder.encode(isOk ? answer.ok : answer.err);
    chargeHostBytes(live().fuel, bytes.length);
    const ptr = live().realloc(0, 0, 1, bytes.length) >>> 0;
    view(ptr, bytes.length).set(bytes);
    const dv = new DataView(live().memory.buffer);
    if (retPtr + 12 > dv.byteLength)
      throw techError("resource_exhausted", "trap", "the guest passed an out-of-bounds return area");
    dv.setUint8(retPtr, isOk ? 0 : 1);
    dv.setUint32(retPtr + 4, ptr, true);
    dv.setUint32(retPtr + 8, bytes.length, true);
  };

  return { bytes, view, readString, writeResult, forget };
}

/** The host functions of a one-module guest, over the run in progress: its log and its host calls. */
function coreHost(
  current: () => RunState | undefined,
  readString: (ptr: number, len: number, cap: number, what: string) => string,
  writeResult: (retPtr: number, answer: HostCallAnswer) => void,
) {
  return {
    log(levelPtr: number, levelLen: number, msgPtr: number, msgLen: number) {
      const s = current();
      if (!s) return;
      const bytes = msgLen >>> 0;
      guarded(s, () => {
        const level = readString(levelPtr, levelLen, HOST_STRING_CAPS.levelBytes, "log level");
        // Over the log's cap, the line is only counted: no need to decode it.
        const message = s.log.fits(bytes) ? readString(msgPtr, msgLen, bytes, "log message") : "";
        s.log.add(level, message, bytes);
      });
    },
    call(sp: number, sl: number, mp: number, ml: number, rp: number, rl: number, retPtr: number) {
      const s = current();
      if (!s) throw techError("internal", "trap", "host call outside an invocation");
      guarded(s, () => {
        const service = readString(sp, sl, HOST_STRING_CAPS.nameBytes, "host call service name");
        const method = readString(mp, ml, HOST_STRING_CAPS.nameBytes, "host call method name");
        const request = readString(rp, rl, HOST_STRING_CAPS.requestBytes, "host call request");
        writeResult(retPtr >>> 0, askHost(s, service, method, request));
      });
    },
  };
}

/** The little-endian u32 at `at` (in bounds). */
function readU32(memory: Uint8Array, at: number): number {
  return (
    ((memory[at] as number) |
      ((memory[at + 1] as number) << 8) |
      ((memory[at + 2] as number) << 16) |
      ((memory[at + 3] as number) << 24)) >>>
    0
  );
}

/** Reads run's result area (discriminant, pointer, length) in `memory` and judges the payload it points to. */
function finishOutput(memory: Uint8Array, retPtr: number, s: RunState): GuestPayload {
  if (retPtr + 12 > memory.byteLength)
    throw techError("internal", "invalid_output", "run returned an out-of-bounds result area");
  const disc = memory[retPtr] as number;
  const ptr = readU32(memory, retPtr + 4);
  const len = readU32(memory, retPtr + 8);
  if (disc > 1)
    throw techError(
      "internal",
      "invalid_output",
      `run returned discriminant ${disc}; a result is 0 (ok) or 1 (err)`,
    );
  checkOutputSize(len, s.opts.outputLimitBytes);
  if (ptr + len > memory.byteLength)
    throw techError("internal", "invalid_output", `the guest passed an out-of-bounds string (${ptr}+${len})`);
  // An ok output that is JSON in well-formed UTF-8 (checked in place, no view made): decoded without a
  // second check.
  if (disc === 0 && isJsonBytes(memory, ptr, ptr + len)) {
    // Made with the counts the lifecycle fills in, so filling them adds no property (no second allocation).
    const done: GuestRunResult = {
      outcome: "ok",
      output: utf8Slice.call(memory, ptr, ptr + len),
      outputBytes: len,
      fuelUsed: 0,
      memoryBytes: 0,
      hostCalls: 0,
      logs: NO_LOGS,
    };
    return done;
  }
  let text: string;
  try {
    text = strictDecoder.decode(memory.subarray(ptr, ptr + len));
  } catch (cause) {
    if (cause instanceof ExtensionError) throw techError("internal", "invalid_output", cause.message);
    throw techError("internal", "invalid_output", "the output is not valid UTF-8");
  }
  return judgePayload(disc === 0, text, len);
}
