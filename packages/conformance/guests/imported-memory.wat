;; imported-memory: a component with a clean world whose guest core module
;; imports its linear memory from a second core module inside the component,
;; instead of defining it (where the memory cap is applied).
;; Expect: load refused with invalid_argument / forbidden_import (the core check).
;; build: component-text
(component
  (core module $shim
    (memory (export "memory") 1))
  (core module $main
    (import "env" "memory" (memory 1))
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))
    (func (export "run") (param i32 i32) (result i32) (i32.const 16)))
  (core instance $s (instantiate $shim))
  (core instance $m (instantiate $main (with "env" (instance $s))))
  (func (export "run") (param "input-json" string) (result (result string (error string)))
    (canon lift (core func $m "run") (memory (core memory $s "memory")) (realloc (core func $m "cabi_realloc")))))
