;; wasi-clock-import: a component that imports wasi:clocks/monotonic-clock and
;; lowers `now` into its core module, to read the clock (a source of
;; non-determinism, and WASI is not offered to extensions).
;; Expect: load refused with invalid_argument / forbidden_import (the world check).
;; build: component-text
(component
  (import "wasi:clocks/monotonic-clock@0.2.0" (instance $clock
    (export "now" (func (result u64)))))
  (core func $now (canon lower (func $clock "now")))
  (core module $main
    (import "wasi:clocks/monotonic-clock@0.2.0" "now" (func $now (result i64)))
    (memory (export "memory") 1)
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))
    (func (export "run") (param i32 i32) (result i32)
      (i64.store (i32.const 64) (call $now))
      (i32.const 16)))
  (core instance $clock-core (export "now" (func $now)))
  (core instance $m (instantiate $main (with "wasi:clocks/monotonic-clock@0.2.0" (instance $clock-core))))
  (func (export "run") (param "input-json" string) (result (result string (error string)))
    (canon lift (core func $m "run") (memory (core memory $m "memory")) (realloc (core func $m "cabi_realloc")))))
