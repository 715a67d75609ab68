import { COST_MODEL } from "@ameide-ext/contract";
import type { ByteWriter } from "./byte-writer.js";
import type { CounterLayout } from "./shift-indices.js";

/** Why the injected code trapped, as written to the trap-reason cell before `unreachable`. */
export const TrapReason = {
  None: 0,
  Fuel: 1,
  Stack: 2,
  /** Not a trap by itself: a `memory.grow` failed at the cap. A trap that follows is blamed on memory. */
  MemoryGrowFailed: 3,
} as const;

/** How fuel is charged. */
export type MeterMode =
  /** Charge each basic block its cost (its instructions' weights) on entry to the block (the product). */
  | "block"
  /** Charge each instruction its weight before it runs (exact; slow; for tests that check the block mode). */
  | "exact"
  /** Per block, 1 per instruction and bulk ops 1 per unit: the metering before the cost model, a baseline for benchmarks. */
  | "uniform"
  /** No fuel at all (a baseline for benchmarks). */
  | "none";

/** What a grow may reach: `size`, the instruction pushing the current size; `max`, the most it can be. */
export interface Ceiling {
  size: readonly number[];
  max: number;
}

/** The frame of one function body that the injected code works with. */
export interface Frame {
  meter: MeterMode;
  /** The injected counters' global indices. */
  counters: CounterLayout;
  /** The local holding the fuel counter ($f, i64). */
  fLocal: number;
  /** The local holding this frame's call depth ($d, i32). */
  dLocal: number;
  /** A scratch local ($t, i32): memory.grow's result, a bulk instruction's length. */
  tLocal: number;
  maxCallDepth: number;
  /** The memory cap, in pages: the ceiling of a memory.grow. */
  maxPages: number;
}

// Each function below writes one piece of the code the instrumenter injects into a function body,
// at the place meterFunction (meter-function.ts) puts it.

/** Writes the fuel local back to the global (before a call or an exit). */
export function flush(x: ByteWriter, f: Frame): void {
  if (f.meter === "none") return;
  x.u8(0x20);
  x.u32(f.fLocal);
  x.u8(0x24);
  x.u32(f.counters.fuel);
}

/** After a call: reads the fuel global into the local, and sets the depth global back to this frame's. */
export function reload(x: ByteWriter, f: Frame): void {
  if (f.meter !== "none") {
    x.u8(0x23);
    x.u32(f.counters.fuel);
    x.u8(0x21);
    x.u32(f.fLocal);
  }
  x.u8(0x20);
  x.u32(f.dLocal);
  x.u8(0x24);
  x.u32(f.counters.depth);
}

/** Records `reason` in the trap cell, then traps. */
function trapWith(x: ByteWriter, f: Frame, reason: number): void {
  x.u8(0x41);
  x.s32(reason);
  x.u8(0x24);
  x.u32(f.counters.trap);
  x.u8(0x00);
}

/** With the fuel left on the stack: keeps it in the local, and traps with Fuel when it is negative. */
function storeAndCheck(x: ByteWriter, f: Frame): void {
  x.u8(0x22);
  x.u32(f.fLocal);
  x.u8(0x42);
  x.s64(0n);
  x.u8(0x53); // i64.lt_s
  x.u8(0x04);
  x.u8(0x40);
  flush(x, f);
  trapWith(x, f, TrapReason.Fuel);
  x.u8(0x0b);
}

/** Subtracts `cost` from the fuel local; with `check`, traps with Fuel when it goes negative. */
export function charge(x: ByteWriter, f: Frame, cost: number, check: boolean): void {
  if (f.meter === "none") return;
  if (cost === 0 && !check) return;
  x.u8(0x20);
  x.u32(f.fLocal);
  x.u8(0x42);
  x.s64(BigInt(cost));
  x.u8(0x7d); // i64.sub
  if (!check) {
    x.u8(0x21);
    x.u32(f.fLocal);
    return;
  }
  storeAndCheck(x, f);
}

/** Pushes the grow's delta (in $t) when it fits under `ceiling.max` less the current size, else 0. */
function unitsIfFits(x: ByteWriter, f: Frame, ceiling: Ceiling): void {
  x.u8(0x20);
  x.u32(f.tLocal);
  x.u8(0x41);
  x.s32(0);
  x.u8(0x20);
  x.u32(f.tLocal);
  x.u8(0x41);
  x.s32(ceiling.max);
  x.bytes(Uint8Array.from(ceiling.size));
  x.u8(0x6b); // i32.sub
  x.u8(0x4d); // i32.le_u
  x.u8(0x1b); // select
}

/**
 * An instruction whose work grows with its length, the operand on top of the stack (bytes,
 * elements, pages): charges `perUnit` per unit before it runs, so a budget bounds it like a loop.
 * `ceiling`, for a grow: the units are charged only when the grow can succeed (units ≤ the
 * ceiling less the current size); a grow past it does no work and returns -1.
 */
export function chargeDynamic(x: ByteWriter, f: Frame, perUnit: number, ceiling?: Ceiling): void {
  if (f.meter === "none") return;
  x.u8(0x21);
  x.u32(f.tLocal); // the length
  x.u8(0x20);
  x.u32(f.fLocal);
  if (ceiling) unitsIfFits(x, f, ceiling);
  else {
    x.u8(0x20);
    x.u32(f.tLocal);
  }
  x.u8(0xad); // i64.extend_i32_u
  if (perUnit !== 1) {
    x.u8(0x42);
    x.s64(BigInt(perUnit));
    x.u8(0x7e); // i64.mul
  }
  x.u8(0x7d); // i64.sub
  storeAndCheck(x, f);
  x.u8(0x20);
  x.u32(f.tLocal);
}

/**
 * memory.grow (`raw`, its delta on top of the stack): charges its pages requested and the pages
 * the memory has (memory.size of the same memory), each times its weight, and a fixed weight
 * more at 64 MiB and over, before it runs.
 */
export function chargeGrow(x: ByteWriter, f: Frame, raw: Uint8Array): void {
  if (f.meter === "none") return;
  x.u8(0x21);
  x.u32(f.tLocal); // the delta
  x.u8(0x20);
  x.u32(f.fLocal);
  const size = [0x3f, ...raw.subarray(1)]; // memory.size of the same memory
  for (const [pages, weight] of [
    [undefined, COST_MODEL.memoryGrowPerPage],
    [size, COST_MODEL.memoryGrowPerMemoryPage],
  ] as const) {
    if (pages === undefined) unitsIfFits(x, f, { size, max: f.maxPages });
    else x.bytes(Uint8Array.from(pages));
    x.u8(0xad); // i64.extend_i32_u
    x.u8(0x42);
    x.s64(BigInt(weight));
    x.u8(0x7e); // i64.mul
    x.u8(0x7d); // i64.sub
  }
  // Once more at 64 MiB and over: (memory.size >= 1024) × memoryGrowAt64MiB.
  x.bytes(Uint8Array.from([0x3f, ...raw.subarray(1)]));
  x.u8(0x41);
  x.s32(1024);
  x.u8(0x4f); // i32.ge_u
  x.u8(0xad); // i64.extend_i32_u
  x.u8(0x42);
  x.s64(BigInt(COST_MODEL.memoryGrowAt64MiB));
  x.u8(0x7e); // i64.mul
  x.u8(0x7d); // i64.sub
  storeAndCheck(x, f);
  x.u8(0x20);
  x.u32(f.tLocal);
}

/** After a memory.grow: records MemoryGrowFailed in the trap cell when it returned -1, and leaves the result. */
export function recordGrowFailure(x: ByteWriter, f: Frame): void {
  x.u8(0x22);
  x.u32(f.tLocal);
  x.u8(0x41);
  x.s32(-1);
  x.u8(0x46); // i32.eq
  x.u8(0x04);
  x.u8(0x40);
  x.u8(0x41);
  x.s32(TrapReason.MemoryGrowFailed);
  x.u8(0x24);
  x.u32(f.counters.trap);
  x.u8(0x0b);
  x.u8(0x20);
  x.u32(f.tLocal);
}

/** The function entry: counts the frame against the depth limit, and loads the fuel local. */
export function prologue(x: ByteWriter, f: Frame): void {
  x.u8(0x23);
  x.u32(f.counters.depth);
  x.u8(0x41);
  x.s32(1);
  x.u8(0x6a); // i32.add
  x.u8(0x22);
  x.u32(f.dLocal);
  x.u8(0x24);
  x.u32(f.counters.depth);
  x.u8(0x20);
  x.u32(f.dLocal);
  x.u8(0x41);
  x.s32(f.maxCallDepth);
  x.u8(0x4b); // i32.gt_u
  x.u8(0x04);
  x.u8(0x40);
  trapWith(x, f, TrapReason.Stack);
  x.u8(0x0b);
  if (f.meter !== "none") {
    x.u8(0x23);
    x.u32(f.counters.fuel);
    x.u8(0x21);
    x.u32(f.fLocal);
  }
}

/** Before a tail call: gives this frame's depth back, as the callee takes its place. */
export function leaveForTailCall(x: ByteWriter, f: Frame): void {
  x.u8(0x20);
  x.u32(f.dLocal);
  x.u8(0x41);
  x.s32(1);
  x.u8(0x6b); // i32.sub
  x.u8(0x24);
  x.u32(f.counters.depth);
}
