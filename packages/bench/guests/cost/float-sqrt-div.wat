;; float-sqrt-div: a loop of dependent f64.sqrt and f64.div, the result stored
;; (so that no compiler can drop the chain).
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (local $x f64)
    (local.set $x (f64.const 12345.678))
    (loop $spin
      (local.set $x (f64.add (f64.div (f64.const 1e6) (f64.sqrt (local.get $x))) (f64.const 1.5)))
      (f64.store (i32.const 8192) (local.get $x))
      (br $spin))
    unreachable))
