;; out-of-bounds-output: returns ok with a pointer far past the end of its
;; memory (a small length, so the size limit does not catch it first).
;; Expect: internal / invalid_output.
;; build: component
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (call $ok (i32.const 0x7fff0000) (i32.const 16))))
