import { COST_MODEL } from "@ameide-ext/contract";
import { u32At } from "./wasm-reader.js";

/** Opcodes (one byte) whose static weight is not {@link COST_MODEL.instruction}. */
const OPCODE_WEIGHTS: ReadonlyMap<number, number> = new Map([
  [0x10, COST_MODEL.call], // call
  [0x12, COST_MODEL.call], // return_call
  [0x14, COST_MODEL.call], // call_ref
  [0x15, COST_MODEL.call], // return_call_ref
  [0x11, COST_MODEL.callIndirect], // call_indirect
  [0x13, COST_MODEL.callIndirect], // return_call_indirect
  [0x25, COST_MODEL.tableAccess], // table.get
  [0x26, COST_MODEL.tableAccess], // table.set
  [0x40, COST_MODEL.memoryGrow], // memory.grow
  ...[0x6d, 0x6e, 0x6f, 0x70, 0x7f, 0x80, 0x81, 0x82].map((op): [number, number] => [
    op,
    COST_MODEL.intDivRem,
  ]),
  ...[0x91, 0x95, 0x9f, 0xa3].map((op): [number, number] => [op, COST_MODEL.floatDivSqrt]),
]);

/** 0xFC sub-opcodes whose static weight is not {@link COST_MODEL.instruction}. */
const FC_WEIGHTS: ReadonlyMap<number, number> = new Map([
  [15, COST_MODEL.tableGrow], // table.grow
  [16, COST_MODEL.tableAccess], // table.size
  ...[8, 10, 11, 12, 14, 17].map((sub): [number, number] => [sub, COST_MODEL.bulkOp]),
]);

/** 0xFD (SIMD) sub-opcodes that pay floatDivSqrt: f32x4.sqrt, f32x4.div, f64x2.sqrt, f64x2.div; any other pays `simd`. */
const SIMD_DIV_SQRT: ReadonlySet<number> = new Set([0xe3, 0xe7, 0xef, 0xf3]);

function simdCost(raw: Uint8Array): number {
  return SIMD_DIV_SQRT.has(immediate(raw)) ? COST_MODEL.floatDivSqrt : COST_MODEL.simd;
}

/**
 * 0xFC sub-opcodes charged per unit of their length operand (the i32 on top
 * of the stack): memory.init (8), memory.copy (10), memory.fill (11) per
 * byte; table.init (12), table.copy (14), table.fill (17) per element;
 * table.grow (15) per element requested, when it can succeed (instrument-module.ts).
 */
const FC_PER_UNIT: ReadonlyMap<number, number> = new Map([
  [8, COST_MODEL.memoryPerByte],
  [10, COST_MODEL.memoryPerByte],
  [11, COST_MODEL.memoryPerByte],
  [12, COST_MODEL.tablePerElement],
  [14, COST_MODEL.tablePerElement],
  [17, COST_MODEL.tablePerElement],
  [15, COST_MODEL.tableGrowPerElement],
]);

/** The LEB128 u32 at `raw[1..]`: a call's function index, an 0xFC instruction's sub-opcode. */
function immediate(raw: Uint8Array): number {
  return u32At(raw, 1);
}

/** The 0xFC sub-opcode of an instruction's bytes, or -1 for another opcode. */
function fcSubOpcode(raw: Uint8Array): number {
  return raw[0] === 0xfc ? immediate(raw) : -1;
}

/**
 * The fuel an instruction is charged on its block's entry, by {@link COST_MODEL}.
 * `importedFuncs`: the module's count of imported functions (a direct call
 * below it is a host call).
 */
export function staticCost(raw: Uint8Array, importedFuncs: number): number {
  const op = raw[0] as number;
  if ((op === 0x10 || op === 0x12) && immediate(raw) < importedFuncs) return COST_MODEL.hostCall;
  if (op === 0xfd) return simdCost(raw);
  const sub = fcSubOpcode(raw);
  const w = sub >= 0 ? FC_WEIGHTS.get(sub) : OPCODE_WEIGHTS.get(op);
  return w ?? COST_MODEL.instruction;
}

/**
 * The fuel per unit of an instruction's length operand (top of the stack),
 * charged at run time just before it runs; undefined when its cost does not
 * depend on an operand. `memory.grow` (per page) is handled by its own case.
 */
export function costPerUnit(raw: Uint8Array): number | undefined {
  const sub = fcSubOpcode(raw);
  return sub >= 0 ? FC_PER_UNIT.get(sub) : undefined;
}

/** 0xFC sub-opcodes the uniform meter charges per unit: the six bulk ops, one per byte or element. */
const UNIFORM_PER_UNIT: ReadonlySet<number> = new Set([8, 10, 11, 12, 14, 17]);

/** Meter "uniform" (the metering before the cost model, a baseline for benchmarks): 1 per instruction. */
export function uniformStaticCost(): number {
  return 1;
}

/** Meter "uniform": the bulk ops 1 per unit of their length; nothing else is dynamic. */
export function uniformCostPerUnit(raw: Uint8Array): number | undefined {
  return UNIFORM_PER_UNIT.has(fcSubOpcode(raw)) ? 1 : undefined;
}
