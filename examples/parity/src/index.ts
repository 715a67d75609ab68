/**
 * The SAP/Dynamics parity examples (spec 479 §9 EXT-WASM-05): the hook
 * folders (a pricing BAdI, a Chain of Command validateWrite before and after
 * CreateOrder) and how to build them.
 */

export type { TaskMapping } from "./l2o-pricing-task.js";
export { L2O_PRICING_TASK } from "./l2o-pricing-task.js";
export type { BuiltParityHook, ParityHookId } from "./parity-hooks.js";
export { buildParityHook, PARITY_HOOKS } from "./parity-hooks.js";
