import { type ByteWriter, createByteWriter } from "./byte-writer.js";
import {
  type Ceiling,
  charge,
  chargeDynamic,
  chargeGrow,
  type Frame,
  flush,
  leaveForTailCall,
  type MeterMode,
  prologue,
  recordGrowFailure,
  reload,
} from "./injected-code.js";
import { costPerUnit, staticCost, uniformCostPerUnit, uniformStaticCost } from "./instruction-cost.js";
import { Flow, type InstructionInfo, readInstruction } from "./read-instruction.js";
import type { ModuleScan } from "./scan-module.js";
import type { CounterLayout } from "./shift-indices.js";
import {
  type ByteReader,
  createByteReader,
  malformed,
  type Section,
  sectionReader,
  skipValType,
  u32At,
} from "./wasm-reader.js";

/** How every function body of a module is metered. */
export interface MeterPlan {
  meter: MeterMode;
  counters: CounterLayout;
  maxCallDepth: number;
  /** The memory cap, in pages. */
  maxPages: number;
  /** The module's table budget (see cap-tables.ts): the ceiling of a table.grow. */
  tableBudget: number;
  /** Function imports, which a call's weight depends on (a call to the host costs more). */
  importedFuncs: number;
}

/** What metering the bodies found, for the instrumented module's result. */
export interface MeterStats {
  /** Bodies rewritten. */
  functions: number;
  /** Original instructions seen. */
  instructions: number;
  /** True when code may change a table (table.set/grow/fill/copy/init). */
  mutatesTables: boolean;
  /** True when code may drop a segment (data.drop, elem.drop). */
  dropsSegments: boolean;
}

/** Most locals a body may declare, beyond which it is refused as malformed. */
const MAX_LOCALS = 50_000;

/**
 * For `table.grow` (0xFC 15, its table index after): the table's size
 * (`table.size` of the same table) and the module's table budget, which no
 * table's maximum passes (cap-tables.ts). Undefined for other instructions.
 */
function tableGrowCeiling(raw: Uint8Array, budget: number): Ceiling | undefined {
  if (raw[0] !== 0xfc || raw[1] !== 15) return undefined;
  return { size: [0xfc, 16, ...raw.subarray(2)], max: budget };
}

/** The code section with every body metered by {@link meterFunction}. */
export function meterCodeSection(
  input: Uint8Array,
  s: Section,
  scan: ModuleScan,
  plan: MeterPlan,
  stats: MeterStats,
): Uint8Array {
  const r = sectionReader(input, s);
  const w = createByteWriter(s.end - s.start + 1024);
  const n = r.u32();
  if (n !== scan.funcTypes.length) throw malformed("function and code section counts differ", s.start);
  w.u32(n);
  for (let i = 0; i < n; i++) {
    const size = r.u32();
    const bodyStart = r.pos;
    const bodyEnd = bodyStart + size;
    r.skip(size);
    const typeIdx = scan.funcTypes[i] as number;
    const params = scan.sigs[typeIdx]?.params.length;
    if (params === undefined) throw malformed(`function ${i} has unknown type ${typeIdx}`, bodyStart);
    w.sized(meterFunction(createByteReader(input, bodyStart, bodyEnd), params, plan, stats));
    stats.functions++;
  }
  return w.finish();
}

/** Copies a body's locals and appends $f (i64), $d and $t (i32); returns the frame they make. */
function writeLocals(r: ByteReader, out: ByteWriter, params: number, plan: MeterPlan): Frame {
  const groups = r.u32();
  let locals = 0;
  const localsStart = r.pos;
  for (let g = 0; g < groups; g++) {
    locals += r.u32();
    skipValType(r);
  }
  if (locals > MAX_LOCALS) throw malformed("too many locals", localsStart);
  out.u32(groups + 3);
  out.bytes(r.bytes.subarray(localsStart, r.pos));
  out.u32(1);
  out.u8(0x7e); // $f: i64, the fuel counter held in a local
  out.u32(1);
  out.u8(0x7f); // $d: i32, this frame's call depth
  out.u32(1);
  out.u8(0x7f); // $t: i32, scratch for memory.grow's result and bulk instructions' lengths
  const fLocal = params + locals;
  const { meter, counters, maxCallDepth, maxPages } = plan;
  return { meter, counters, fLocal, dLocal: fLocal + 1, tLocal: fLocal + 2, maxCallDepth, maxPages };
}

/** What starts a segment: the function entry, a loop head, any other branch target, or nothing (dead code). */
type SegmentKind = "entry" | "loop" | "normal" | "dead";

/**
 * The straight-line runs of a body, each charged once, on entry: the code of
 * the current one collects in `code` and its cost in `cost` until `end` writes
 * its charge and its code out.
 */
interface Segments {
  code: ByteWriter;
  cost: number;
  kind: SegmentKind;
  end(next: SegmentKind): void;
}

function createSegments(out: ByteWriter, f: Frame): Segments {
  const s: Segments = {
    code: createByteWriter(256),
    cost: 0,
    kind: "entry",
    end(next) {
      if (s.kind === "entry") {
        prologue(out, f);
        charge(out, f, s.cost, true);
      } else if (s.kind === "loop") {
        charge(out, f, s.cost, true);
      } else if (s.kind === "normal") {
        charge(out, f, s.cost, false);
      }
      out.bytes(s.code.finish());
      s.code = createByteWriter(256);
      s.cost = 0;
      s.kind = next;
    },
  };
  return s;
}

/**
 * Meters one function body (`r` over it, `params` its parameter count): the
 * body is cut into basic blocks, each charged its instructions' weights on
 * entry (or, with meter "exact", each instruction before it runs); loop heads
 * and the entry check the fuel; calls and exits write the fuel local back;
 * bulk instructions are charged per unit; memory.grow records a failure.
 */
export function meterFunction(r: ByteReader, params: number, plan: MeterPlan, stats: MeterStats): Uint8Array {
  const out = createByteWriter(r.bytes.length > 4096 ? 4096 : 256);
  const f = writeLocals(r, out, params, plan);
  const uniform = plan.meter === "uniform";
  const weigh = uniform ? uniformStaticCost : staticCost;
  const perUnitOf = uniform ? uniformCostPerUnit : costPerUnit;
  const segs = createSegments(out, f);
  // Control stack: true for a block or if (its end is a branch target), false for a loop.
  const ctrl: boolean[] = [];
  for (;;) {
    const at = r.pos;
    const ins = readInstruction(r);
    const raw = r.bytes.subarray(at, r.pos);
    const op = raw[0] as number;
    stats.instructions++;
    const structural = ins.flow === Flow.End || ins.flow === Flow.Else;
    if (plan.meter === "exact" && !structural && segs.kind !== "dead") {
      // Charge every instruction on its own: exact counts, for tests.
      charge(segs.code, f, weigh(raw, plan.importedFuncs), false);
    } else if (!structural && segs.kind !== "dead") {
      segs.cost += weigh(raw, plan.importedFuncs);
    }
    if (op === 0x26 || (op === 0xfc && [12, 14, 15, 17].includes(raw[1] as number)))
      stats.mutatesTables = true;
    if (op === 0xfc && (raw[1] === 9 || raw[1] === 13)) stats.dropsSegments = true;
    const seg = segs.code;
    switch (ins.flow) {
      case Flow.Plain:
        if (op === 0xfc) {
          const perUnit = perUnitOf(raw);
          if (perUnit !== undefined) chargeDynamic(seg, f, perUnit, tableGrowCeiling(raw, plan.tableBudget));
        }
        if (plan.counters.shift !== 0 && (op === 0x23 || op === 0x24)) {
          seg.u8(op);
          seg.u32(plan.counters.mapGlobal(u32At(raw, 1)));
        } else {
          seg.bytes(raw);
        }
        break;
      case Flow.Call:
        flush(seg, f);
        seg.bytes(raw);
        reload(seg, f);
        break;
      case Flow.ReturnCall:
        flush(seg, f);
        leaveForTailCall(seg, f);
        seg.bytes(raw);
        segs.end("dead");
        break;
      case Flow.MemoryGrow:
        if (!uniform) chargeGrow(seg, f, raw);
        seg.bytes(raw);
        recordGrowFailure(seg, f);
        break;
      default:
        if (writeControl(ins, raw, ctrl, segs, f)) {
          if (!r.eof()) throw malformed("code after the function's end", r.pos);
          return out.finish();
        }
    }
    if (r.eof()) throw malformed("function body without end", r.pos);
  }
}

/**
 * Writes a control instruction (block, loop, if, else, end, a branch, return,
 * unreachable) and ends the segment where it ends one; a branch that leaves
 * the function writes the fuel back first. Returns true at the function's end.
 */
function writeControl(
  ins: InstructionInfo,
  raw: Uint8Array,
  ctrl: boolean[],
  segs: Segments,
  f: Frame,
): boolean {
  const seg = segs.code;
  const depth = ctrl.length;
  switch (ins.flow) {
    case Flow.Block:
      seg.bytes(raw);
      ctrl.push(true);
      break;
    case Flow.Loop:
      seg.bytes(raw);
      ctrl.push(false);
      segs.end("loop");
      break;
    case Flow.If:
      seg.bytes(raw);
      ctrl.push(true);
      segs.end("normal");
      break;
    case Flow.Else:
      seg.bytes(raw);
      segs.end("normal");
      break;
    case Flow.End: {
      if (depth === 0) {
        flush(seg, f);
        seg.bytes(raw);
        segs.end("dead");
        return true;
      }
      const target = ctrl.pop() as boolean;
      seg.bytes(raw);
      // A loop's end is no branch target: the straight line goes on.
      if (target) segs.end("normal");
      break;
    }
    case Flow.Br:
      if (ins.labels?.[0] === depth) flush(seg, f);
      seg.bytes(raw);
      segs.end("dead");
      break;
    case Flow.BrIf:
      if (ins.labels?.[0] === depth) flush(seg, f);
      seg.bytes(raw);
      segs.end("normal");
      break;
    case Flow.BrTable:
      if (ins.labels?.includes(depth)) flush(seg, f);
      seg.bytes(raw);
      segs.end("dead");
      break;
    case Flow.Return:
    case Flow.Unreachable:
      flush(seg, f);
      seg.bytes(raw);
      segs.end("dead");
      break;
  }
  return false;
}
