;; not-json-output: returns ok with an output that is not JSON.
;; Expect: internal / invalid_output.
;; build: component
(module
  ;; @prelude
  (data (i32.const 256) "this is not JSON")
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (call $ok (i32.const 256) (i32.const 16))))
