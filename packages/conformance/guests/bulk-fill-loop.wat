;; bulk-fill-loop: fills 1 MiB of its memory with memory.fill, forever. Each
;; turn is a handful of instructions, but the fill's work grows with its
;; length, and the meter charges it one unit per byte: the budget stops it
;; within its CPU time instead of after 10 million fills.
;; Expect: resource_exhausted / fuel with the default budget, quickly (inline and pool).
;; build: component
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (drop (memory.grow (i32.const 16)))
    (loop $fill
      (memory.fill (i32.const 0) (i32.const 0) (i32.const 1048576))
      (br $fill))
    unreachable))
