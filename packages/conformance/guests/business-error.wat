;; business-error: returns a proper business error through the err variant.
;; Expect: outcome business_error with code OUT_OF_STOCK, the guest's message
;; and details kept as they are.
;; build: component
(module
  ;; @prelude
  (data (i32.const 256) "{\"code\":\"OUT_OF_STOCK\",\"message\":\"sku A1 is out of stock\",\"details\":{\"sku\":\"A1\",\"available\":0}}")
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (call $err (i32.const 256) (i32.const 95))))
