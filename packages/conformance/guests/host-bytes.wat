;; host-bytes: logs one line whose message is N bytes (zeros), N from its input,
;; with the level "info"; then returns N. The same instructions run for every N
;; of the same number of digits: only the bytes the host reads differ.
;; Expect: ok; fuelUsed grows by exactly FUEL_PER_HOST_BYTE per byte of the
;; message, the same for the same input, inline and in the pool.
;; build: component
(module
  ;; @prelude
  (data (i32.const 256) "info")
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (local $n i32)
    (local.set $n (call $parse_u32 (local.get $ptr) (local.get $len)))
    (call $log (i32.const 256) (i32.const 4) (i32.const 32768) (local.get $n))
    (call $ok_u32 (local.get $n))))
