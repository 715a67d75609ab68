;; elem-drop: puts a passive element segment ($one) into table slot 0 with
;; table.init, drops the segment with elem.drop, and calls through the slot.
;; Were the drop to survive, the second call's table.init would trap.
;; Expect: ok with output 1, on every call, inline and in the pool.
;; build: component
(module
  ;; @prelude
  (type $get (func (result i32)))
  (table $slots 1 funcref)
  (elem $ones func $one)
  (func $one (result i32) (i32.const 1))
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (table.init $slots $ones (i32.const 0) (i32.const 0) (i32.const 1))
    (elem.drop $ones)
    (call $ok_u32 (call_indirect $slots (type $get) (i32.const 0)))))
