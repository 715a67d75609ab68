;; trap-rebuild-table: a module with a table of 500,000 entries it never
;; writes, which traps when its input is one byte. A restore cannot undo a
;; trap, so the engine makes a new instance for the next invocation, whose
;; table V8 makes anew (8-26 ms of CPU): a guest that traps on every other
;; call made the engine do that work for nothing, uncharged.
;; Expect: the invocation after a trap is charged the new instance's fuel
;; (newInstanceFuel: COST_MODEL.freshInstanceTableEntry per table entry),
;; once; resource_exhausted / fuel before it runs when that is over its budget
;; (cpu_millis 5), and still owed: the guest runs again (and may trap again)
;; only in an invocation that pays it in full.
;; build: component
(module
  ;; @prelude
  (table $t 500000 funcref)
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (if (i32.eq (local.get $len) (i32.const 1)) (then unreachable))
    (call $ok_u32 (i32.const 1))))
