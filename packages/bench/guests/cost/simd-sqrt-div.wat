;; simd-sqrt-div: a loop of dependent f64x2.sqrt and f64x2.div, the SIMD
;; forms of float-sqrt-div (two lanes each), the result stored.
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (local $x v128)
    (local.set $x (v128.const f64x2 12345.678 9876.5))
    (loop $spin
      (local.set $x (f64x2.add (f64x2.div (v128.const f64x2 1e6 1e6) (f64x2.sqrt (local.get $x))) (v128.const f64x2 1.5 1.5)))
      (v128.store (i32.const 8192) (local.get $x))
      (br $spin))
    unreachable))
