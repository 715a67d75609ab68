import { createByteWriter } from "./byte-writer.js";
import { type DeclaredTable, readTableSection, sumTableEntries } from "./check-module-shape.js";
import { createByteReader, skipValType } from "./wasm-reader.js";

/**
 * The maximum each table gets, so that all of them together never hold more
 * than `budget` entries (tableEntryBudget of the memory cap): each table may
 * grow by an equal share of what the initial sizes leave, and never past a
 * maximum it declares. A table without a maximum gets its share too, as a
 * memory without one gets the memory cap: `table.grow` past it returns -1.
 * The initial sizes are within the budget (checkModuleShape refused them
 * otherwise).
 */
export function capTableMaximums(tables: readonly DeclaredTable[], budget: number): number[] {
  const share = Math.floor(Math.max(0, budget - sumTableEntries(tables)) / Math.max(1, tables.length));
  return tables.map((t) => Math.min(t.max ?? Number.POSITIVE_INFINITY, t.min + share));
}

/** Rewrites a table section's payload with every table's maximum capped by {@link capTableMaximums}. */
export function capTableSection(payload: Uint8Array, budget: number): Uint8Array {
  const r = createByteReader(payload);
  const tables = readTableSection(r);
  const maximums = capTableMaximums(tables, budget);
  const w = createByteWriter(payload.length + 8 * tables.length);
  const again = createByteReader(payload);
  w.u32(again.u32());
  for (let i = 0; i < tables.length; i++) {
    const at = again.pos;
    skipValType(again); // the reference type
    w.bytes(payload.subarray(at, again.pos));
    if (again.u8() === 1) again.u32();
    again.u32();
    const t = tables[i] as DeclaredTable;
    w.u8(0x01);
    w.u32(t.min);
    w.u32(maximums[i] as number);
  }
  return w.finish();
}
