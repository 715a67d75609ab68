// infinite-loop: `while (true) {}`, as QuickJS interprets it.
// Expect: resource_exhausted / fuel; with cpuMillis 10000 and a small timeoutMs
// in the pool, deadline_exceeded / timeout and the worker is replaced.
export function run(): never {
  while (true) {}
}
