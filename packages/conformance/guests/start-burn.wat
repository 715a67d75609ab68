;; start-burn: its start function burns about 90 million instructions, 10
;; million of them indirect calls (about 310 million fuel by the cost model,
;; under the 600 million a start function gets); its run traps when the input is
;; `true` and returns 1 otherwise. The instance that replaces a trapped one
;; must not run the start function again: that work is the guest's, free of
;; its budget and before the invocation's clock.
;; Expect: ok with output 1 after each trap, each call far quicker than the start function; resource_exhausted / trap for `true`.
;; build: component
(module
  ;; @prelude
  ;; Indirect calls, which the compiler cannot inline: slow per instruction.
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
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (if (i32.eq (i32.load8_u (local.get $ptr)) (i32.const 116)) (then unreachable))
    (call $ok_u32 (i32.const 1))))
