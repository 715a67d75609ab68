/**
 * The cost model: the fuel each class of WebAssembly instruction is charged,
 * so that fuel bounds CPU time and not only the count of instructions. These
 * are constants of the contract, never measured at run time, so fuel stays
 * deterministic: the same module and input use the same fuel everywhere.
 * CONTRACT.md lists the same weights, and a test keeps the two equal.
 *
 * Static weights are added to a basic block's charge on its entry. Dynamic
 * weights (per page, element or byte) multiply the length operand of the
 * instruction, read at run time, and are charged just before it runs.
 * Calibrated with `npm run calibrate:cost` (packages/bench/guests/cost/).
 */
export const COST_MODEL = Object.freeze({
  /** Any instruction not listed below (`end` and `else` are free). */
  instruction: 1,
  /** `call`, `return_call`, `call_ref`, `return_call_ref` of a function of the module. */
  call: 16,
  /** `call` or `return_call` of an imported (host) function: the crossing into the host and back. */
  hostCall: 1_300,
  /** `call_indirect`, `return_call_indirect`: the table lookup and signature check. */
  callIndirect: 24,
  /** Integer `div` and `rem`, 32- and 64-bit. */
  intDivRem: 28,
  /** `f32.div`, `f64.div`, `f32.sqrt`, `f64.sqrt`, and their SIMD forms (`f32x4`, `f64x2`). */
  floatDivSqrt: 40,
  /**
   * Any SIMD (128-bit) instruction other than div and sqrt: V8 emulates many of
   * them with several machine instructions (`i8x16.popcnt`, `i64x2.mul`,
   * `f32x4.min`, lane shifts), 4-10x `cpu_millis` at a weight of 1.
   */
  simd: 20,
  /**
   * Per entry of a module's tables (their initial sizes), for each new
   * instance made of it after its first: every invocation of a module that
   * may write its tables or drop a segment, and the invocation after a trap
   * or a memory growth. V8 makes the tables anew, 15 ns an entry empty and
   * 50 ns filled by an active segment.
   */
  freshInstanceTableEntry: 500,
  /**
   * Per data segment of a module (active or passive), for each new instance
   * the engine makes of it after its first: V8 copies each active segment into
   * memory and keeps each passive one.
   */
  newInstanceDataSegment: 200,
  /**
   * Per core module, for each new instance the engine makes of it after its
   * first: V8's fixed work to instantiate a module (its memory, its import and
   * export wrappers).
   */
  newInstanceModule: 300_000,
  /**
   * Per byte of a linked component's glue (jco's JavaScript that wires its
   * modules), for each new instance after the first: the glue runs again to
   * make it (a TypeScript hook's is 189 KB). Calibrated with the TypeScript
   * deal rule of `npm run calibrate:cost`, which makes one per call.
   */
  newInstanceGlueByte: 20,
  /** `memory.grow`, whatever the delta: a call into the engine. */
  memoryGrow: 2_000,
  /**
   * `memory.grow`, for each 64 KiB page requested, when the grow can succeed
   * (a request past the memory's cap does no work and returns -1, charged only
   * the fixed weights): 2.5 per byte, for the page faults and zeroing of the first
   * touch of each page, which the stores that touch them do not pay for.
   */
  memoryGrowPerPage: 163_840,
  /**
   * `memory.grow`, per 64 KiB page the memory already has: V8 accounts a
   * memory to its heap, and a grow costs more as the memory gets larger.
   */
  memoryGrowPerMemoryPage: 500,
  /**
   * `memory.grow` when the memory has 64 MiB (1,024 pages) or more, once:
   * past V8's 64 MiB soft limit for memory outside its heap, a grow, even by
   * 0, may set off a garbage collection (60-550 µs measured).
   */
  memoryGrowAt64MiB: 4_000_000,
  /** `table.grow`, whatever the delta. */
  tableGrow: 2_000,
  /** `table.grow`, for each element requested, when the grow can succeed (not past the module's table budget). */
  tableGrowPerElement: 400,
  /** `table.get`, `table.set`, `table.size`: calls into the engine. */
  tableAccess: 100,
  /** `memory.fill`, `memory.copy`, `memory.init`, `table.fill`, `table.copy`, `table.init`, whatever their length. */
  bulkOp: 32,
  /** `table.fill`, `table.copy`, `table.init`, for each element (their length operand). */
  tablePerElement: 128,
  /** `memory.fill`, `memory.copy`, `memory.init`, for each byte (their length operand). */
  memoryPerByte: 1,
});

/** The names of the weights of {@link COST_MODEL}. */
export type CostClass = keyof typeof COST_MODEL;
