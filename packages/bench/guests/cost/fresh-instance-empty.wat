;; fresh-instance-empty: a module with a table of 500,000 entries that may
;; write it (a table.set it never runs), so each invocation gets a new
;; instance, whose table V8 makes anew: 8-26 ms of CPU per invocation (empty
;; or filled by a segment) for a guest that does nothing, which the fuel did
;; not count (5-6x cpu_millis 5).

(module
  ;; @prelude
  (table $t 500000 funcref)
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (local $i i32)
    (if (i32.eq (local.get $len) (i32.const 12345))
      (then (table.set $t (i32.const 0) (ref.null func))))
    (loop $spin (local.set $i (i32.add (local.get $i) (i32.const 1))) (br $spin)) unreachable))
