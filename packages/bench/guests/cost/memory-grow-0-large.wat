;; memory-grow-0-large: grows its memory past 64 MiB once, then memory.grow(0)
;; in a loop: past V8's 64 MiB soft limit for memory outside its heap, even a
;; grow by 0 may set off a garbage collection.
;; memory_mb: 1024
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (drop (memory.grow (i32.const 1100)))
    (loop $spin
      (drop (memory.grow (i32.const 0)))
      (br $spin))
    unreachable))
