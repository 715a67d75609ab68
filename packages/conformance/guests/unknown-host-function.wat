;; unknown-host-function: a component that imports the right interface name,
;; ameide:extension/host@1.0.0, but with a function the contract does not have
;; (`exec: func(id: u32) -> u32`), lowered into its core module. The world's
;; import line matches the contract's; the core import does not.
;; Expect: load refused with invalid_argument / forbidden_import (the core check).
;; build: component-text
(component
  (import "ameide:extension/host@1.0.0" (instance $host
    (export "exec" (func (param "id" u32) (result u32)))))
  (core func $exec (canon lower (func $host "exec")))
  (core module $main
    (import "ameide:extension/host@1.0.0" "exec" (func $exec (param i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))
    (func (export "run") (param i32 i32) (result i32)
      (drop (call $exec (i32.const 1)))
      (i32.const 16)))
  (core instance $host-core (export "exec" (func $exec)))
  (core instance $m (instantiate $main (with "ameide:extension/host@1.0.0" (instance $host-core))))
  (func (export "run") (param "input-json" string) (result (result string (error string)))
    (canon lift (core func $m "run") (memory (core memory $m "memory")) (realloc (core func $m "cabi_realloc")))))
