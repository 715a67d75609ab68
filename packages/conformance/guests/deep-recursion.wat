;; deep-recursion: a function that calls itself without end, with small frames:
;; the injected call-depth counter passes its limit (sizeLimits.callDepth)
;; before the host's stack runs out.
;; Expect: resource_exhausted / stack.
;; build: component
(module
  ;; @prelude
  (func $dive (param $n i32) (result i32)
    (i32.add (call $dive (i32.add (local.get $n) (i32.const 1))) (i32.const 1)))
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (drop (call $dive (i32.const 0)))
    (call $ok (local.get $ptr) (local.get $len))))
