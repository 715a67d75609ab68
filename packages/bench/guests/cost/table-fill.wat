;; table-fill: table.fill of 10,000 funcref elements (a function reference),
;; in a loop.
(module
  ;; @prelude
  (table $t 10000 funcref)
  (elem declare func $target)
  (func $target)
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (loop $spin
      (table.fill $t (i32.const 0) (ref.func $target) (i32.const 10000))
      (br $spin))
    unreachable))
