;; table-grow: table.grow by 1 on a funcref table with no maximum, in a loop.
(module
  ;; @prelude
  (table $t 1 funcref)
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (loop $spin
      (drop (table.grow $t (ref.null func) (i32.const 1)))
      (br $spin))
    unreachable))
