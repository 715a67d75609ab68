;; malformed-business-error: returns err with a JSON payload that is not a
;; business error: `code` is a number and `message` is missing.
;; Expect: internal / invalid_output.
;; build: component
(module
  ;; @prelude
  (data (i32.const 256) "{\"code\":42}")
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (call $err (i32.const 256) (i32.const 11))))
