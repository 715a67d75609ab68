;; glue-injection: a composed component (linked, like a TypeScript hook) whose
;; core module exports its run under the name `run']; globalThis.pwned = 1; //`.
;; jco writes core names into the glue's JavaScript without escaping them, so
;; had the engine generated and evaluated that glue, the component would have
;; run its own code in the host: this one sets globalThis.pwned.
;; Expect: load refused with invalid_argument / invalid_module, before any glue
;; is made; globalThis.pwned stays unset.
;; build: component-text
(component
  (component $guest
    (core module $main
      (memory (export "memory") 1)
      (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
      (func (export "run']; globalThis.pwned = 1; //") (param i32 i32) (result i32)
        (i32.store8 (i32.const 100) (i32.const 49))
        (i32.store8 (i32.const 16) (i32.const 0))
        (i32.store (i32.const 20) (i32.const 100))
        (i32.store (i32.const 24) (i32.const 1))
        (i32.const 16)))
    (core instance $m (instantiate $main))
    (func (export "run") (param "input-json" string) (result (result string (error string)))
      (canon lift (core func $m "run']; globalThis.pwned = 1; //") (memory (core memory $m "memory")) (realloc (core func $m "cabi_realloc")))))
  (instance $g (instantiate $guest))
  (export "run" (func $g "run")))
