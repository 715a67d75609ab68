;; imported-global: a component with a clean world whose guest core module
;; imports a global from a second core module inside the component. The
;; runtime runs the guest core module on its own and gives it host functions
;; only, so any other kind of import is refused.
;; Expect: load refused with invalid_argument / forbidden_import (the core check).
;; build: component-text
(component
  (core module $shim
    (global (export "g") i32 (i32.const 7)))
  (core module $main
    (import "env" "g" (global $g i32))
    (memory (export "memory") 1)
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))
    (func (export "run") (param i32 i32) (result i32) (i32.const 16)))
  (core instance $s (instantiate $shim))
  (core instance $m (instantiate $main (with "env" (instance $s))))
  (func (export "run") (param "input-json" string) (result (result string (error string)))
    (canon lift (core func $m "run") (memory (core memory $m "memory")) (realloc (core func $m "cabi_realloc")))))
