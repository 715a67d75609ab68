;; deep-nesting: a function whose blocks nest 2,001 deep, one over the cap
;; of 2,000: compilers and the instrumenter keep a frame per open block.
;; Expect: load refused with invalid_argument / module_too_complex (cap blockDepth).
;; build: component
(module
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))
  (func (export "run") (param i32 i32) (result i32)
    ;; @repeat 2001 (block
    ;; @repeat 2001 )
    (i32.const 16))
  (func (export "cabi_post_run") (param i32)))
