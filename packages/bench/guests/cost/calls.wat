;; calls: a loop calling a tiny function (two instructions) on every turn:
;; the per-call part of metering (entry check, depth counter, fuel write-back).
(module
  ;; @prelude
  (func $inc (param $x i32) (result i32) (i32.add (local.get $x) (i32.const 1)))
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (local $i i32)
    (loop $spin
      (local.set $i (call $inc (local.get $i)))
      (br $spin))
    unreachable))
