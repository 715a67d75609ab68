import { ExtensionError } from "@ameide-ext/contract";
import { type ByteReader, malformed, skipHeapType, skipValType } from "./wasm-reader.js";

/** What an instruction means for control flow and metering. */
export const Flow = {
  /** Straight-line: no effect on control flow. */
  Plain: 0,
  Block: 1,
  Loop: 2,
  If: 3,
  Else: 4,
  End: 5,
  /** Unconditional branch: `br`. */
  Br: 6,
  /** Conditional branch to one label: `br_if`, `br_on_null`, `br_on_non_null`. */
  BrIf: 7,
  BrTable: 8,
  Return: 9,
  Unreachable: 10,
  /** A call that returns here: `call`, `call_indirect`, `call_ref`. */
  Call: 11,
  /** A tail call: `return_call*`. */
  ReturnCall: 12,
  /** `memory.grow`: its result tells whether the memory cap was hit. */
  MemoryGrow: 13,
} as const;
/** One of the {@link Flow} values. */
export type Flow = (typeof Flow)[keyof typeof Flow];

/** The decoded facts the instrumenter needs about one instruction. */
export interface InstructionInfo {
  flow: Flow;
  /** Branch depths, for Br, BrIf and BrTable. */
  labels: number[] | undefined;
}

const unsupported = (what: string, offset: number) =>
  new ExtensionError(
    "invalid_argument",
    `unsupported WebAssembly feature: ${what} at byte ${offset}; the runtime accepts MVP, bulk memory, reference types, multi-value, sign extension, saturating conversions, tail calls and SIMD`,
    "unsupported_feature",
    { feature: what, offset },
  );

const PLAIN: InstructionInfo = { flow: Flow.Plain, labels: undefined };

function info(flow: Flow, labels?: number[]): InstructionInfo {
  return { flow, labels };
}

/** Skips a block type: empty, a value type, or a type index (s33). */
function skipBlockType(r: ByteReader): void {
  const b = r.bytes[r.pos];
  if (b === undefined) throw malformed("unexpected end", r.pos);
  if (b === 0x63 || b === 0x64) {
    r.pos++;
    skipHeapType(r);
    return;
  }
  r.skipSigned(5);
}

function skipMemarg(r: ByteReader): void {
  const align = r.u32();
  if (align & 0x40) r.u32();
  r.u32();
}

/**
 * Reads one instruction at `r.pos`, leaving `r.pos` after it. Returns what it
 * means for control flow. Refuses features the runtime does not run
 * (exceptions, GC, threads) with `invalid_argument/unsupported_feature`.
 */
export function readInstruction(r: ByteReader): InstructionInfo {
  const at = r.pos;
  const op = r.u8();
  if (op >= 0x45 && op <= 0xc4) return PLAIN; // numeric
  switch (op) {
    case 0x00:
      return info(Flow.Unreachable);
    case 0x01:
      return PLAIN;
    case 0x02:
      skipBlockType(r);
      return info(Flow.Block);
    case 0x03:
      skipBlockType(r);
      return info(Flow.Loop);
    case 0x04:
      skipBlockType(r);
      return info(Flow.If);
    case 0x05:
      return info(Flow.Else);
    case 0x0b:
      return info(Flow.End);
    case 0x0c:
      return info(Flow.Br, [r.u32()]);
    case 0x0d:
      return info(Flow.BrIf, [r.u32()]);
    case 0x0e: {
      const n = r.u32();
      if (n > 1_000_000) throw malformed("br_table too large", at);
      const labels: number[] = [];
      for (let i = 0; i <= n; i++) labels.push(r.u32());
      return info(Flow.BrTable, labels);
    }
    case 0x0f:
      return info(Flow.Return);
    case 0x10:
      r.u32();
      return info(Flow.Call);
    case 0x11:
      r.u32();
      r.u32();
      return info(Flow.Call);
    case 0x12:
      r.u32();
      return info(Flow.ReturnCall);
    case 0x13:
      r.u32();
      r.u32();
      return info(Flow.ReturnCall);
    case 0x14:
      r.u32();
      return info(Flow.Call);
    case 0x15:
      r.u32();
      return info(Flow.ReturnCall);
    case 0x06:
    case 0x07:
    case 0x08:
    case 0x09:
    case 0x0a:
    case 0x18:
    case 0x19:
    case 0x1f:
      throw unsupported("exception handling", at);
    case 0x1a:
    case 0x1b:
      return PLAIN;
    case 0x1c: {
      const n = r.u32();
      for (let i = 0; i < n; i++) skipValType(r);
      return PLAIN;
    }
    case 0x20:
    case 0x21:
    case 0x22:
    case 0x23:
    case 0x24:
    case 0x25:
    case 0x26:
      r.u32();
      return PLAIN;
    case 0x3f:
      r.u32();
      return PLAIN;
    case 0x40:
      r.u32();
      return info(Flow.MemoryGrow);
    case 0x41:
      r.skipSigned(5);
      return PLAIN;
    case 0x42:
      r.skipSigned(10);
      return PLAIN;
    case 0x43:
      r.skip(4);
      return PLAIN;
    case 0x44:
      r.skip(8);
      return PLAIN;
    case 0xd0:
      skipHeapType(r);
      return PLAIN;
    case 0xd1:
    case 0xd4:
      return PLAIN;
    case 0xd2:
      r.u32();
      return PLAIN;
    case 0xd5:
    case 0xd6:
      return info(Flow.BrIf, [r.u32()]);
    case 0xfc:
      return readMisc(r, at);
    case 0xfd:
      return readSimd(r);
    case 0xd3:
    case 0xfb:
      throw unsupported("garbage collection", at);
    case 0xfe:
      throw unsupported("threads", at);
    default:
      if (op >= 0x28 && op <= 0x3e) {
        skipMemarg(r);
        return PLAIN;
      }
      throw malformed(`unknown opcode 0x${op.toString(16)}`, at);
  }
}

function readMisc(r: ByteReader, at: number): InstructionInfo {
  const sub = r.u32();
  switch (sub) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
    case 5:
    case 6:
    case 7:
      return PLAIN;
    case 8: // memory.init
      r.u32();
      r.u32();
      return PLAIN;
    case 9: // data.drop
    case 13: // elem.drop
      r.u32();
      return PLAIN;
    case 10: // memory.copy
    case 12: // table.init
    case 14: // table.copy
      r.u32();
      r.u32();
      return PLAIN;
    case 11: // memory.fill
    case 15: // table.grow
    case 16: // table.size
    case 17: // table.fill
      r.u32();
      return PLAIN;
    default:
      throw malformed(`unknown 0xfc opcode ${sub}`, at);
  }
}

function readSimd(r: ByteReader): InstructionInfo {
  const sub = r.u32();
  if (sub <= 11 || sub === 92 || sub === 93) {
    skipMemarg(r);
  } else if (sub === 12 || sub === 13) {
    r.skip(16);
  } else if (sub >= 21 && sub <= 34) {
    r.skip(1);
  } else if (sub >= 84 && sub <= 91) {
    skipMemarg(r);
    r.skip(1);
  }
  return PLAIN;
}
