;; wasi-preview1-import: a component whose world is clean (it imports nothing
;; and exports run) but whose guest core module imports
;; wasi_snapshot_preview1.fd_write, satisfied inside the component by a second
;; core module (a "shim"). The runtime runs the guest core module on its own,
;; so it must check the core imports, not only the world.
;; Expect: load refused with invalid_argument / forbidden_import (the core check).
;; build: component-text
(component
  (core module $shim
    (func (export "fd_write") (param i32 i32 i32 i32) (result i32) (i32.const 0)))
  (core module $main
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))
    (func (export "run") (param i32 i32) (result i32)
      (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0)))
      (i32.const 16)))
  (core instance $s (instantiate $shim))
  (core instance $m (instantiate $main (with "wasi_snapshot_preview1" (instance $s))))
  (func (export "run") (param "input-json" string) (result (result string (error string)))
    (canon lift (core func $m "run") (memory (core memory $m "memory")) (realloc (core func $m "cabi_realloc")))))
