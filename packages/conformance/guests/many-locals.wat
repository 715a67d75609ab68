;; many-locals: a function with 10,001 locals, one over the cap of 10,000:
;; each is zeroed on every call and takes stack space in every frame.
;; Expect: load refused with invalid_argument / module_too_complex (cap localsPerFunction).
;; build: component
(module
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))
  (func (export "run") (param i32 i32) (result i32)
    ;; @repeat 10001 (local i32)
    (i32.const 16))
  (func (export "cabi_post_run") (param i32)))
