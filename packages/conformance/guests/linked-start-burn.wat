;; linked-start-burn: a composed component (linked like a TypeScript hook) whose
;; first core module's start function burns about 90 million instructions
;; (about 310 million fuel by the cost model, under the 600 million start
;; functions get), and whose run traps when the input is `true`. A composed
;; guest has no snapshot: jco's glue makes each new instance, and runs the start
;; functions again, after every trap. A guest that trapped on every other call
;; made the engine run the start function for it each time (tens of ms of CPU),
;; charged only the new instance's modules, glue and memory.
;; Expect: the invocation after a trap is charged the start function's fuel as
;; well; resource_exhausted / fuel before it runs when that is over its budget
;; (cpu_millis 5), and still owed until an invocation pays it.
;; build: component-text
(component
  (component $guest
    (core module $burner
      (type $step (func (param i32) (result i32)))
      (table $steps 1 funcref)
      (elem (table $steps) (i32.const 0) func $dec)
      (func $dec (param $i i32) (result i32) (i32.sub (local.get $i) (i32.const 1)))
      (func $burn
        (local $i i32)
        (local.set $i (i32.const 10000000))
        (loop $spin
          (br_if $spin (local.tee $i (call_indirect $steps (type $step) (local.get $i) (i32.const 0))))))
      (start $burn)
      (func (export "one") (result i32) (i32.const 1)))
    (core instance $b (instantiate $burner))
    (core module $main
      (import "burner" "one" (func $one (result i32)))
      (memory (export "memory") 1)
      (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
      ;; Traps on input `true`; else returns the digit 1 as the ok payload.
      (func (export "run") (param $ptr i32) (param $len i32) (result i32)
        (if (i32.eq (i32.load8_u (local.get $ptr)) (i32.const 116)) (then unreachable))
        (i32.store8 (i32.const 100) (i32.add (i32.const 48) (call $one)))
        (i32.store8 (i32.const 16) (i32.const 0))
        (i32.store (i32.const 20) (i32.const 100))
        (i32.store (i32.const 24) (i32.const 1))
        (i32.const 16)))
    (core instance $m (instantiate $main (with "burner" (instance $b))))
    (func (export "run") (param "input-json" string) (result (result string (error string)))
      (canon lift (core func $m "run") (memory (core memory $m "memory")) (realloc (core func $m "cabi_realloc")))))
  (instance $g (instantiate $guest))
  (export "run" (func $g "run")))
