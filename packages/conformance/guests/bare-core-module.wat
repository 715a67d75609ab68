;; bare-core-module: the echo guest as a bare core module, with no component
;; around it: right ABI, wrong packaging.
;; Expect: load refused with invalid_argument / not_a_component.
;; build: core
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (call $ok (local.get $ptr) (local.get $len))))
