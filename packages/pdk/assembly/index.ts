// @ameide-ext/pdk: the AssemblyScript PDK for ameide-ext hooks.
//
// A hook is a module whose `run(input: string): string` takes the input JSON
// and returns the output JSON. The build wraps it in the canonical ABI of the
// world `ameide:extension/extension@1.0.0`; this library gives it JSON, logs,
// host calls and business errors.

export { JSON } from "./json";
export { log } from "./log";
export { host, CallResult } from "./host";
export { fail, failWith } from "./fail";
