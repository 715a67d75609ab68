import { ExtensionError } from "@ameide-ext/contract";
import type { Catalog } from "../catalog/parse-catalog.js";

/** The runtime's `max_memory_mb` when neither the catalog nor the environment sets one. */
export const DEFAULT_MAX_MEMORY_MB = 256;

/**
 * Refuses a catalog any of whose entries asks for more `memory_mb` than the
 * runtime allows (`runtime.max_memory_mb`): each of its guest threads would
 * hold that much memory and copy up to all of it per call. Throws
 * `invalid_argument / invalid_limits` with every such entry in
 * `details.problems` (path, message), as a catalog that does not parse lists
 * its problems; a catalog reload so refused leaves the previous one in force.
 */
export function checkCatalogMemory(catalog: Catalog, maxMemoryMb: number): void {
  const problems = catalog.entries
    .map((entry, i) => ({ entry, path: `/extensions/${i}/limits/memory_mb` }))
    .filter(({ entry }) => entry.limits.memoryMb > maxMemoryMb)
    .map(({ entry, path }) => ({
      path,
      message: `${entry.key} asks for memory_mb ${entry.limits.memoryMb}, the runtime's max_memory_mb is ${maxMemoryMb}`,
    }));
  const first = problems[0];
  if (first === undefined) return;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
  throw new ExtensionError("invalid_argument", `catalog refused: ${first.message}${more}`, "invalid_limits", {
    problems,
    maxMemoryMb,
  });
}
