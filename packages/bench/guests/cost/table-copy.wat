;; table-copy: table.copy of 5,000 funcref elements within one table, in a loop.
(module
  ;; @prelude
  (table $t 10000 funcref)
  (elem (i32.const 0) func $target $target $target $target)
  (func $target)
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (loop $spin
      (table.copy $t $t (i32.const 5000) (i32.const 0) (i32.const 5000))
      (br $spin))
    unreachable))
