;; fresh-instance-table: a module with a table of 500,000 entries that may
;; write it (a table.set it never runs), so each invocation gets a new
;; instance, whose table V8 makes anew: 8-26 ms of CPU per invocation (empty
;; or filled by a segment) for a guest that does nothing, which the fuel did
;; not count (5-6x cpu_millis 5).
;; Expect: ok with output 1, its fuel charged for the new instance's table
;; entries (COST_MODEL.freshInstanceTableEntry each); resource_exhausted / fuel
;; before it runs when that is over its budget (cpu_millis 5).
;; build: component
(module
  ;; @prelude
  (table $t 500000 funcref)
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (if (i32.eq (local.get $len) (i32.const 12345))
      (then (table.set $t (i32.const 0) (ref.null func))))
    (call $ok_u32 (i32.const 1))))
