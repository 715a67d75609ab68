/**
 * Hand-written guests for the fuel figures, in WAT, so that the instruction
 * mix does not depend on a compiler. Each reads a JSON number `n` (the amount
 * of work), computes, and returns a JSON number; both follow the canonical ABI
 * of the contract (`run`, `cabi_realloc`, `cabi_post_run`, `memory`).
 */

/** Iterations of the loop-heavy guest per invocation: about 25 ms on the reference machine. */
export const LOOP_ITERATIONS = 4_000_000;

/** `n` of the call-heavy guest, fib(n) by naive recursion: 2·fib(n+1) − 1 calls, about 4.4 million. */
export const FIB_N = 31;

// Imports, memory, a bump allocator, the result area at 16, a decimal reader
// and writer. The output text is written at 64; the loop's table is at 32768.
const PRELUDE = `
  (import "ameide:extension/host@1.0.0" "log" (func $log (param i32 i32 i32 i32)))
  (import "ameide:extension/host@1.0.0" "call" (func $call (param i32 i32 i32 i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 4096))
  (func $cabi_realloc (export "cabi_realloc") (param i32 i32 i32 i32) (result i32)
    (local $p i32)
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.const 7)) (i32.const -8)))
    (global.set $heap (i32.add (local.get $p) (local.get 3)))
    (if (i32.gt_u (global.get $heap) (i32.const 32768)) (then unreachable))
    (local.get $p))
  (func (export "cabi_post_run") (param i32))
  ;; the unsigned decimal number at [ptr, ptr+len), other bytes skipped
  (func $read_u32 (param $ptr i32) (param $len i32) (result i32)
    (local $end i32) (local $c i32) (local $v i32)
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
        (local.set $c (i32.sub (i32.load8_u (local.get $ptr)) (i32.const 48)))
        (if (i32.lt_u (local.get $c) (i32.const 10))
          (then (local.set $v (i32.add (i32.mul (local.get $v) (i32.const 10)) (local.get $c)))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
        (br $next)))
    (local.get $v))
  ;; returns an ok result whose payload is the decimal text of $v
  (func $ok_u32 (param $v i32) (result i32)
    (local $p i32)
    (local.set $p (i32.const 128))
    (loop $digit
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
      (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
      (br_if $digit (local.get $v)))
    (i32.store8 (i32.const 16) (i32.const 0))
    (i32.store (i32.const 20) (local.get $p))
    (i32.store (i32.const 24) (i32.sub (i32.const 128) (local.get $p)))
    (i32.const 16))
`;

/**
 * The loop-heavy guest: `n` iterations of a xorshift generator, a
 * data-dependent branch and a read-modify-write of a 4 KiB table, about 60
 * instructions in three basic blocks per iteration: closer to a parser's or a
 * rule engine's loop than a bare counter (whose one tiny block would show the
 * worst case of per-block metering).
 */
export const LOOP_GUEST_WAT = `(module ${PRELUDE}
  (func $work (param $n i32) (result i32)
    (local $i i32) (local $x i32) (local $h i32) (local $a i32)
    (local.set $x (i32.const 2463534242))
    (local.set $h (i32.const -2128831035))
    (if (i32.eqz (local.get $n)) (then (return (i32.const 0))))
    (loop $iter
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
      (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
      (local.set $a (i32.add (i32.const 32768) (i32.and (local.get $x) (i32.const 4092))))
      (if (i32.and (local.get $x) (i32.const 256))
        (then (local.set $h (i32.add (i32.mul (local.get $h) (i32.const 31)) (local.get $x))))
        (else (local.set $h (i32.xor (local.get $h) (i32.shr_u (local.get $x) (i32.const 3))))))
      (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (local.get $h)))
      (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load (local.get $a))) (i32.const 16777619)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $iter (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $h))
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (call $ok_u32 (call $work (call $read_u32 (local.get $ptr) (local.get $len))))))`;

/** The call-heavy guest: fib(n) by naive recursion, one tiny function per call. */
export const FIB_GUEST_WAT = `(module ${PRELUDE}
  (func $fib (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add
        (call $fib (i32.sub (local.get $n) (i32.const 1)))
        (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (call $ok_u32 (call $fib (call $read_u32 (local.get $ptr) (local.get $len))))))`;
