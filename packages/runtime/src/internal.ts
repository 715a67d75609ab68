/**
 * `@ameide-ext/runtime/internal`: what our own packages (the bench, the conformance suite) may reach below
 * the engine's API. Not a stable API: it changes with the engine, without notice.
 */

export type { InstrumentedModule, InstrumentOptions, MeterMode } from "./wasm/instrument-module.js";
export { instrumentModule } from "./wasm/instrument-module.js";
