;; start-trap: a guest whose start function traps, so no instance of it can
;; ever be made. The engine instantiates once at load to find this out.
;; Expect: load refused with invalid_argument / invalid_module.
;; build: component
(module
  ;; @prelude
  (func $boom unreachable)
  (start $boom)
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (call $ok (local.get $ptr) (local.get $len))))
