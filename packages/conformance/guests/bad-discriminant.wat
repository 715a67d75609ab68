;; bad-discriminant: returns a result area whose discriminant is 7; a
;; result<string, string> is 0 (ok) or 1 (err).
;; Expect: internal / invalid_output.
;; build: component
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (call $result (i32.const 7) (local.get $ptr) (local.get $len))))
