;; checksum: the 32-bit FNV-1a hash of its input bytes, as a JSON number. Its
;; work (and so its fuel) depends on the input's length only.
;; Expect: ok; the same input gives the same output and the same fuelUsed,
;; every time, inline and in the pool alike.
;; build: component
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (local $end i32) (local $h i32)
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (local.set $h (i32.const 0x811c9dc5))
    (block $done
      (loop $byte
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
        (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load8_u (local.get $ptr))) (i32.const 0x01000193)))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
        (br $byte)))
    (call $ok_u32 (local.get $h))))
