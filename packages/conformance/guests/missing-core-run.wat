;; missing-core-run: a component whose world is right (it exports run) but
;; whose core module calls the lifted function `entry` and exports no `run`:
;; the runtime finds no core module to run.
;; Expect: load refused with invalid_argument / missing_export (the core check).
;; build: component-text
(component
  (core module $main
    (memory (export "memory") 1)
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))
    (func (export "entry") (param i32 i32) (result i32) (i32.const 16)))
  (core instance $m (instantiate $main))
  (func (export "run") (param "input-json" string) (result (result string (error string)))
    (canon lift (core func $m "entry") (memory (core memory $m "memory")) (realloc (core func $m "cabi_realloc")))))
