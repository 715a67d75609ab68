;; table-swap: calls through table slot 0 (which holds $one) and then swaps
;; $two into the slot with table.set. A module that writes a table is given a
;; fresh instance per invocation rather than a restored snapshot; were the
;; swap to survive, the second call would return 2.
;; Expect: ok with output 1, on every call, inline and in the pool.
;; build: component
(module
  ;; @prelude
  (type $get (func (result i32)))
  (table $slots 1 funcref)
  (elem (table $slots) (i32.const 0) func $one)
  (elem declare func $two)
  (func $one (result i32) (i32.const 1))
  (func $two (result i32) (i32.const 2))
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (local $v i32)
    (local.set $v (call_indirect $slots (type $get) (i32.const 0)))
    (table.set $slots (i32.const 0) (ref.func $two))
    (call $ok_u32 (local.get $v))))
