;; br-table: a loop dispatching through a br_table of eight arms, as an
;; interpreter's or a state machine's main loop does: a block per turn and an
;; indirect jump. One arm stores the accumulator, so that the arms are live.
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (local $s i32) (local $acc i32)
    (loop $next
      (local.set $s (i32.and (i32.add (i32.mul (local.get $s) (i32.const 5)) (i32.const 3)) (i32.const 7)))
      (block $b7 (block $b6 (block $b5 (block $b4 (block $b3 (block $b2 (block $b1 (block $b0
        (br_table $b0 $b1 $b2 $b3 $b4 $b5 $b6 $b7 (local.get $s)))
        (local.set $acc (i32.add (local.get $acc) (i32.const 1))) (br $next))
        (local.set $acc (i32.xor (local.get $acc) (i32.const 2))) (br $next))
        (local.set $acc (i32.sub (local.get $acc) (i32.const 3))) (br $next))
        (local.set $acc (i32.shl (local.get $acc) (i32.const 1))) (br $next))
        (local.set $acc (i32.shr_u (local.get $acc) (i32.const 1))) (br $next))
        (local.set $acc (i32.or (local.get $acc) (i32.const 6))) (br $next))
        (local.set $acc (i32.and (local.get $acc) (i32.const -8))) (br $next))
      (local.set $acc (i32.rotl (local.get $acc) (i32.const 8)))
      (i32.store (i32.const 8192) (local.get $acc))
      (br $next))
    unreachable))
