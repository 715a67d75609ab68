;; unknown-import: a component that imports an interface the host does not
;; offer (acme:net/socket, `open: func(port: u16) -> u32`) and lowers it into
;; its core module.
;; Expect: load refused with invalid_argument / forbidden_import (the world check).
;; build: component-text
(component
  (import "acme:net/socket@1.0.0" (instance $socket
    (export "open" (func (param "port" u16) (result u32)))))
  (core func $open (canon lower (func $socket "open")))
  (core module $main
    (import "acme:net/socket@1.0.0" "open" (func $open (param i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))
    (func (export "run") (param i32 i32) (result i32)
      (drop (call $open (i32.const 80)))
      (i32.const 16)))
  (core instance $socket-core (export "open" (func $open)))
  (core instance $m (instantiate $main (with "acme:net/socket@1.0.0" (instance $socket-core))))
  (func (export "run") (param "input-json" string) (result (result string (error string)))
    (canon lift (core func $m "run") (memory (core memory $m "memory")) (realloc (core func $m "cabi_realloc")))))
