;; global-counter: keeps a call counter in a mutable global, increments it and
;; returns it. Were any state to survive from one invocation to the next, the
;; second call would return 2.
;; Expect: ok with output 1, on every call, inline and in the pool.
;; build: component
(module
  ;; @prelude
  (global $calls (mut i32) (i32.const 0))
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (call $ok_u32 (global.get $calls))))
