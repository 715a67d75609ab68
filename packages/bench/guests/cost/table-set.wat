;; table-set: table.get and table.set of funcref elements in a loop.
(module
  ;; @prelude
  (table $t 1024 funcref)
  (elem (i32.const 0) func $target)
  (func $target)
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (local $i i32)
    (loop $spin
      (local.set $i (i32.and (i32.add (local.get $i) (i32.const 1)) (i32.const 1023)))
      (table.set $t (local.get $i) (table.get $t (i32.const 0)))
      (br $spin))
    unreachable))
