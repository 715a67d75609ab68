import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildHook, createNodeToolkitDeps } from "@ameide-ext/toolkit";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The parity hooks' folders (each an `ameide-ext` hook folder: extension.json,
 * src/index.ts, tests/*.json), by the extension id in its manifest.
 */
export const PARITY_HOOKS = {
  /** SAP pricing BAdI, AssemblyScript: BeforeCreateOrder, and the L2O pricing Extension Task. */
  "pricing-badi": join(ROOT, "pricing-badi", "assemblyscript"),
  /** The same pricing rule in TypeScript (QuickJS), same fixtures. */
  "pricing-badi-ts": join(ROOT, "pricing-badi", "typescript"),
  /** Dynamics CoC validateWrite, AssemblyScript: BeforeCreateOrder refuses with messages. */
  "coc-validate-before": join(ROOT, "coc-validate", "before-create-order"),
  /** Dynamics CoC after `next()`, TypeScript: AfterCreateOrder adds followUpTask and riskFlag. */
  "coc-validate-after": join(ROOT, "coc-validate", "after-create-order"),
} as const;

/** A parity hook's id. */
export type ParityHookId = keyof typeof PARITY_HOOKS;

/** A built hook, as the runtime's test helpers take it. */
export interface BuiltParityHook {
  bytes: Uint8Array;
  sha256: string;
}

/** Builds a parity hook with the real toolchain (what `ameide-ext build` runs) and returns its component. */
export async function buildParityHook(id: ParityHookId): Promise<BuiltParityHook> {
  const built = await buildHook({ dir: PARITY_HOOKS[id] }, createNodeToolkitDeps(PARITY_HOOKS[id]));
  return { bytes: new Uint8Array(await readFile(built.wasm)), sha256: built.sha256 };
}
