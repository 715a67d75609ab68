;; missing-run: a component that exports `process` (with run's type) instead
;; of `run`.
;; Expect: load refused with invalid_argument / missing_export (the world check).
;; build: component-text
(component
  (core module $main
    (memory (export "memory") 1)
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))
    (func (export "process") (param i32 i32) (result i32) (i32.const 16)))
  (core instance $m (instantiate $main))
  (func (export "process") (param "input-json" string) (result (result string (error string)))
    (canon lift (core func $m "process") (memory (core memory $m "memory")) (realloc (core func $m "cabi_realloc")))))
