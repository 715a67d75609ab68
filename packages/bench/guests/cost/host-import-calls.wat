;; host-import-calls: a loop calling an imported host function that the
;; engine refuses at once (a low-tier guest may not make host calls): the
;; crossing into the host and back, which a budget must bound as well.
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (loop $spin
      (call $log (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))
      (br $spin))
    unreachable))
