;; busy-loop: counts down from N (the input, a JSON number) and returns N.
;; Each turn of the loop executes exactly 6 instructions (local.get, i32.const,
;; i32.sub, local.set, local.get, br_if), so it uses 6·N fuel plus a small
;; constant: the meter's count is checked against that.
;; Expect: ok while 6·N fits the budget; resource_exhausted / fuel beyond it;
;;         inline, deadline_exceeded / timeout when a run that fits its fuel
;;         outlasts timeoutMs (checked after the run).
;; build: component
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (local $n i32) (local $i i32)
    (local.set $n (call $parse_u32 (local.get $ptr) (local.get $len)))
    (local.set $i (local.get $n))
    (block $done
      (br_if $done (i32.eqz (local.get $i)))
      (loop $turn
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br_if $turn (local.get $i))))
    (call $ok_u32 (local.get $n))))
