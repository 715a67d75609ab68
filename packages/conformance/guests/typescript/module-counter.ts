// module-counter: counts its invocations in a module-level variable.
// Expect: ok with {"calls":1} on every call: no state survives an invocation.
let calls = 0;

export function run() {
  calls++;
  return { calls };
}
