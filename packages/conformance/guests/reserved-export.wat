;; reserved-export: a guest that exports a global under the name the runtime
;; reserves for its fuel counter, __ameide_fuel, hoping to shadow it.
;; Expect: load refused with invalid_argument / invalid_module.
;; build: component
(module
  ;; @prelude
  (global (export "__ameide_fuel") (mut i64) (i64.const 9223372036854775807))
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (call $ok (local.get $ptr) (local.get $len))))
