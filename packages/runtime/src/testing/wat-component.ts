// Test support, exported as `@ameide-ext/runtime/testing` for the conformance
// suite and the runtime's own tests. Internal: not a stable API.
import { createComponent, parse } from "@ameide-ext/component-tools";

/** Seeded random numbers for randomized tests that replay (the SDK's wire tests use it too). */
export { seededRandom } from "./seeded-random.js";

/**
 * Test support: builds a component of the contract world from a core module in
 * WAT, the way `jco embed` + `jco new` would. The module must follow the
 * canonical ABI (see {@link GUEST_PRELUDE}).
 */
export async function watComponent(wat: string): Promise<Uint8Array> {
  return createComponent(await parse(wat));
}

/** Test support: a core module from WAT, without a component around it. */
export async function watModule(wat: string): Promise<Uint8Array> {
  return parse(wat);
}

/**
 * Imports, memory, a bump allocator and result helpers shared by hand-written
 * guests: `$ok (ptr len) -> retptr` and `$err (ptr len) -> retptr`.
 */
export const GUEST_PRELUDE = `
  (import "ameide:extension/host@1.0.0" "log" (func $log (param i32 i32 i32 i32)))
  (import "ameide:extension/host@1.0.0" "call" (func $call (param i32 i32 i32 i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 4096))
  (func $cabi_realloc (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.const 7)) (i32.const -8)))
    (global.set $heap (i32.add (local.get $p) (local.get 3)))
    (if (i32.gt_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536)))
      (then (if (i32.eq (memory.grow (i32.add (i32.div_u (i32.sub (global.get $heap) (i32.mul (memory.size) (i32.const 65536))) (i32.const 65536)) (i32.const 1))) (i32.const -1)) (then unreachable))))
    (local.get $p))
  (func $result (param $disc i32) (param $ptr i32) (param $len i32) (result i32)
    (i32.store8 (i32.const 16) (local.get $disc))
    (i32.store (i32.const 20) (local.get $ptr))
    (i32.store (i32.const 24) (local.get $len))
    (i32.const 16))
  (func $ok (param i32 i32) (result i32) (call $result (i32.const 0) (local.get 0) (local.get 1)))
  (func $err (param i32 i32) (result i32) (call $result (i32.const 1) (local.get 0) (local.get 1)))
  (func (export "cabi_post_run") (param i32))
`;

/** Test support: a guest whose `run` body is `body` (params $ptr $len, returns a retptr). */
export function guest(body: string, extra = ""): string {
  return `(module ${GUEST_PRELUDE} ${extra}
  (func (export "run") (param $ptr i32) (param $len i32) (result i32) ${body}))`;
}
