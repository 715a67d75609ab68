;; many-functions: 50,001 functions, one over the cap of 50,000, each one
;; reachable from run through a table (so no tool can drop them as unused).
;; The attack it stands for: 990k functions spent 12.5 s in instrumentation.
;; Expect: load refused with invalid_argument / module_too_complex (cap functions), before instrumentation.
;; build: component
(module
  (type $v (func))
  (memory (export "memory") 1)
  (table $t 49998 funcref)
  (elem (table $t) (i32.const 0) func
    ;; @repeat 49998 $f{i}
    )
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))
  (func (export "run") (param i32 i32) (result i32)
    (call_indirect $t (type $v) (local.get 1))
    (i32.const 16))
  (func (export "cabi_post_run") (param i32))
  ;; @repeat 49998 (func $f{i})
  )
