;; linked-counter-import: a composed component (linked like a TypeScript hook)
;; whose core module imports the runtime's own call-depth counter by its
;; reserved module name ("__ameide" "depth"), handed to it by a sibling
;; module that exports globals of the counters' types. The engine gives every
;; linked module the real counters under that name; were this import
;; accepted, the guest could write them: set depth to 0 before each call and
;; recurse past sizeLimits.callDepth (as deep as V8's own stack lets it), or
;; set the trap reason before a trap to be reported as something else.
;; Expect: refused at load, invalid_argument / forbidden_import (the module
;; name __ameide is the runtime's).
;; build: component-text
(component
  (component $inner
    (core module $counters
      (global (export "fuel") (mut i64) (i64.const 0))
      (global (export "depth") (mut i32) (i32.const 0))
      (global (export "trap") (mut i32) (i32.const 0)))
    (core module $main
      (import "__ameide" "depth" (global $depth (mut i32)))
      (memory (export "memory") 1)
      (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))
      (func $down (param $n i32) (result i32)
        (if (result i32) (i32.eqz (local.get $n))
          (then (i32.const 0))
          (else
            (global.set $depth (i32.const 0))
            (i32.add (i32.const 1) (call $down (i32.sub (local.get $n) (i32.const 1)))))))
      (func (export "run") (param i32 i32) (result i32)
        (drop (call $down (i32.const 20000)))
        (i32.store8 (i32.const 2000) (i32.const 0))
        (i32.store (i32.const 2004) (i32.const 2048))
        (i32.store (i32.const 2008) (i32.const 4))
        (i32.const 2000))
      (func (export "cabi_post_run") (param i32))
      (data (i32.const 2048) "null"))
    (core instance $c (instantiate $counters))
    (core instance $m (instantiate $main (with "__ameide" (instance $c))))
    (alias core export $m "memory" (core memory $mem))
    (alias core export $m "run" (core func $run))
    (alias core export $m "cabi_realloc" (core func $realloc))
    (alias core export $m "cabi_post_run" (core func $post))
    (func (export "run") (param "input-json" string) (result (result string (error string)))
      (canon lift (core func $run) (memory $mem) (realloc $realloc) (post-return $post))))
  (instance $i (instantiate $inner))
  (export "run" (func $i "run")))
