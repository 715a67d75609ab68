;; int-div: a loop of 64-bit divisions and remainders, each depending on the
;; one before (a division may trap, so no compiler drops them).
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (local $x i64) (local $y i64)
    (local.set $x (i64.const 0x7fffffffffffffff))
    (local.set $y (i64.const 3))
    (loop $spin
      (local.set $x (i64.add (i64.div_u (local.get $x) (local.get $y)) (i64.const 0x7ffffffffffffff)))
      (local.set $y (i64.add (i64.rem_u (local.get $x) (i64.const 97)) (i64.const 3)))
      (br $spin))
    unreachable))
