;; memory-grow-0: memory.grow(0) in a loop: grows nothing, but each one is a
;; call into the engine.
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (loop $spin
      (drop (memory.grow (i32.const 0)))
      (br $spin))
    unreachable))
