;; tight-loop: the smallest loop there is, a counter and a branch: the most
;; blocks (fuel checks) per instruction, the worst case of per-block metering.
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (local $i i32)
    (loop $spin
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $spin))
    unreachable))
