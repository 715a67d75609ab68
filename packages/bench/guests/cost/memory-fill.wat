;; memory-fill: memory.fill of 64 KiB, in a loop: per-byte work.
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (drop (memory.grow (i32.const 2)))
    (loop $spin
      (memory.fill (i32.const 65536) (i32.const 7) (i32.const 65536))
      (br $spin))
    unreachable))
