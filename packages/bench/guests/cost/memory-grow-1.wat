;; memory-grow-1: memory.grow(1) in a loop, up to the memory cap and then
;; failing there, again and again.
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (loop $spin
      (drop (memory.grow (i32.const 1)))
      (br $spin))
    unreachable))
