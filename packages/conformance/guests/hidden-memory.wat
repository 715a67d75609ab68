;; hidden-memory: a composed component (its core modules live in a nested
;; component, as componentize-qjs makes them), whose second core module counts
;; calls in a memory it does not export; run returns the count.
;; Expect: ok with 1 on every call: the engine snapshots every memory a linked
;; module defines, exported or not.
;; build: component-text
(component
  (component $guest
    (core module $counter
      (memory 1)
      (func (export "bump") (result i32)
        (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
        (i32.load (i32.const 0))))
    (core instance $c (instantiate $counter))
    (core module $main
      (import "counter" "bump" (func $bump (result i32)))
      (memory (export "memory") 1)
      (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
      ;; Writes the count as one ASCII digit and returns it as the ok payload.
      (func (export "run") (param i32 i32) (result i32)
        (i32.store8 (i32.const 100) (i32.add (i32.const 48) (call $bump)))
        (i32.store8 (i32.const 16) (i32.const 0))
        (i32.store (i32.const 20) (i32.const 100))
        (i32.store (i32.const 24) (i32.const 1))
        (i32.const 16)))
    (core instance $m (instantiate $main (with "counter" (instance $c))))
    (func (export "run") (param "input-json" string) (result (result string (error string)))
      (canon lift (core func $m "run") (memory (core memory $m "memory")) (realloc (core func $m "cabi_realloc")))))
  (instance $g (instantiate $guest))
  (export "run" (func $g "run")))
