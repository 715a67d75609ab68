;; v128-global-counter: keeps a call counter in lane 0 of a mutable v128
;; global (JavaScript cannot read or write a v128 global's value), increments
;; it and returns it. Were its state to survive from one invocation to the
;; next, the second call would return 2.
;; Expect: refused at load, invalid_argument / unsupported_feature: a snapshot
;; cannot read or restore a v128 global from JavaScript, so its state could not
;; be reset (before, the load failed as a trap of the initialisation).
;; build: component
(module
  ;; @prelude
  (global $calls (mut v128) (v128.const i32x4 0 0 0 0))
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (global.set $calls (i32x4.add (global.get $calls) (v128.const i32x4 1 0 0 0)))
    (call $ok_u32 (i32x4.extract_lane 0 (global.get $calls)))))
