;; memory-counter: keeps a call counter in linear memory (address 512),
;; increments it and returns it. Were linear memory to survive from one
;; invocation to the next, the second call would return 2.
;; Expect: ok with output 1, on every call, inline and in the pool.
;; build: component
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (i32.store (i32.const 512) (i32.add (i32.load (i32.const 512)) (i32.const 1)))
    (call $ok_u32 (i32.load (i32.const 512)))))
