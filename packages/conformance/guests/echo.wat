;; echo: the well-behaved control guest. Returns its input unchanged.
;; Every test runs it after a hostile guest to show the engine (and the pool)
;; still serves.
;; Expect: ok, output = input.
;; build: component
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (call $ok (local.get $ptr) (local.get $len))))
