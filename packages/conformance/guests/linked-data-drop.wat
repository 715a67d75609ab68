;; linked-data-drop: a composed component (linked like a TypeScript hook) whose
;; second core module copies a passive data segment ("7") into its memory with
;; memory.init and then drops it with data.drop; run returns the copied digit.
;; Were the drop to survive the restore, the second call's memory.init would trap.
;; Expect: ok with 7 on every call, inline and in the pool.
;; build: component-text
(component
  (component $guest
    (core module $digits
      (memory 1)
      (data $seven "7")
      (func (export "seven") (result i32)
        (memory.init $seven (i32.const 0) (i32.const 0) (i32.const 1))
        (data.drop $seven)
        (i32.load8_u (i32.const 0))))
    (core instance $d (instantiate $digits))
    (core module $main
      (import "digits" "seven" (func $seven (result i32)))
      (memory (export "memory") 1)
      (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
      ;; Writes the digit and returns it as the ok payload.
      (func (export "run") (param i32 i32) (result i32)
        (i32.store8 (i32.const 100) (call $seven))
        (i32.store8 (i32.const 16) (i32.const 0))
        (i32.store (i32.const 20) (i32.const 100))
        (i32.store (i32.const 24) (i32.const 1))
        (i32.const 16)))
    (core instance $m (instantiate $main (with "digits" (instance $d))))
    (func (export "run") (param "input-json" string) (result (result string (error string)))
      (canon lift (core func $m "run") (memory (core memory $m "memory")) (realloc (core func $m "cabi_realloc")))))
  (instance $g (instantiate $guest))
  (export "run" (func $g "run")))
