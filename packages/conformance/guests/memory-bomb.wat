;; memory-bomb: grows its memory one page at a time until memory.grow fails
;; (returns -1) at the cap, then traps with `unreachable`.
;; Expect: resource_exhausted / memory (the trap follows a failed grow).
;; build: component
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (loop $grow
      (br_if $grow (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
    unreachable))
