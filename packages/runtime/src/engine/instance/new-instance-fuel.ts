import { COST_MODEL } from "@ameide-ext/contract";

/** What a new instance of one core module makes, as its compile counted it. */
export interface InstanceShape {
  /** Entries of its tables, their initial sizes together. */
  tableEntries: number;
  /** Its data segments, active and passive. */
  dataSegments: number;
}

/**
 * The fuel for a new instance of a guest after its first one: the instance
 * the invocation after a trap or a memory growth needs, or the one every
 * invocation of a guest that may write its tables gets. V8's work to make it,
 * by the cost model (per module, table entry and data segment; for a linked
 * component, per byte of the glue that runs again and of the memories it
 * fills). The invocation the instance is made for pays it before the guest
 * runs, so a guest that traps on every call pays for the instances it wastes.
 */
export function newInstanceFuel(modules: readonly InstanceShape[], glueBytes = 0, memoryBytes = 0): number {
  let fuel = glueBytes * COST_MODEL.newInstanceGlueByte + memoryBytes * COST_MODEL.memoryPerByte;
  for (const m of modules) {
    fuel +=
      COST_MODEL.newInstanceModule +
      m.tableEntries * COST_MODEL.freshInstanceTableEntry +
      m.dataSegments * COST_MODEL.newInstanceDataSegment;
  }
  return fuel;
}
