;; memory-small-copies: memory.copy of 16 bytes, in a loop: the fixed part of
;; a bulk instruction, which short copies (strings, small structs) pay.
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (loop $spin
      (memory.copy (i32.const 8192) (i32.const 4096) (i32.const 16))
      (br $spin))
    unreachable))
