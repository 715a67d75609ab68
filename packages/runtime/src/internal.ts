/**
 * `@ameide-ext/runtime/internal`: what our own packages (the bench, the conformance suite, the registry's compile worker) may reach below
 * the engine's API. Not a stable API: it changes with the engine, without notice.
 */

export type { LinkPlan } from "./component/link-component.js";
export { planLink } from "./component/link-component.js";
export type { ComponentParts } from "./component/read-component.js";
export { readComponent } from "./component/read-component.js";
export { isJsonBytes } from "./engine/invoke/json-bytes.js";
export { ANSWER_COMPRESSION } from "./service/answer-compression.js";
export { createCircuitBreakers } from "./service/circuit-breaker.js";
export { createRuntimeMetrics } from "./service/runtime-metrics.js";
export { createSloGuard } from "./service/slo-guard.js";
export type { InstrumentedModule, InstrumentOptions, MeterMode } from "./wasm/instrument-module.js";
export { instrumentModule } from "./wasm/instrument-module.js";
