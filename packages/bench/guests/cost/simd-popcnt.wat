;; simd-popcnt: a chain of 64 dependent i8x16.popcnt, which V8 emulates with
;; several machine instructions (the SIMD instruction at its dearest).
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (local $x v128) (local $y v128)
    (local.set $x (v128.const i64x2 3 5))
    (local.set $y (v128.const i64x2 3 5))
    (loop $spin
      (local.get $x) i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt i8x16.popcnt (local.set $x)
      (v128.store (i32.const 8192) (local.get $x)) 
      (br $spin))
    unreachable))
