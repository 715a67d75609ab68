;; data-drop: copies a passive data segment ("7") into memory with
;; memory.init, then drops the segment with data.drop, and returns the copy.
;; A drop is state outside memory and globals: were it to survive the restore,
;; the second call's memory.init would trap.
;; Expect: ok with output 7, on every call, inline and in the pool.
;; build: component
(module
  ;; @prelude
  (data $seven "7")
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (memory.init $seven (i32.const 1024) (i32.const 0) (i32.const 1))
    (data.drop $seven)
    (call $ok (i32.const 1024) (i32.const 1))))
