;; table-grow-large: table.grow by 1,000 elements on a funcref table with no
;; maximum, in a loop: the per-element part of table.grow.
(module
  ;; @prelude
  (table $t 1 funcref)
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (loop $spin
      (drop (table.grow $t (ref.null func) (i32.const 1000)))
      (br $spin))
    unreachable))
