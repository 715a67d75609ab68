;; unreachable: traps at once with `unreachable`.
;; Expect: resource_exhausted / trap.
;; build: component
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    unreachable))
