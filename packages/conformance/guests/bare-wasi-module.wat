;; bare-wasi-module: a bare core module (no component around it) that imports
;; wasi_snapshot_preview1.fd_write, the way a plain `wasm32-wasi` build does.
;; A bare core module is refused before its imports are looked at.
;; Expect: load refused with invalid_argument / not_a_component.
;; build: core
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))
  (func (export "run") (param i32 i32) (result i32)
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0)))
    (i32.const 16)))
