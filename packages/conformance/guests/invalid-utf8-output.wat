;; invalid-utf8-output: returns ok with bytes that are not UTF-8 (a JSON
;; string holding 0xff 0xfe).
;; Expect: internal / invalid_output.
;; build: component
(module
  ;; @prelude
  (data (i32.const 256) "\"\ff\fe\"")
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (call $ok (i32.const 256) (i32.const 4))))
