;; huge-host-string: hands the host strings over their caps, decoded by nothing.
;; Input 1: host.log with a 1,000-byte level (cap 16 B).
;; Input 2: host.call with a 1,000-byte service name (cap 256 B).
;; Input 3: host.call with a 300,000-byte request (cap 256 KiB, the input limit).
;; Expect: resource_exhausted / host_string_size for each, before any decoding
;; or policy check; the engine still serves.
;; build: component
(module
  ;; @prelude
  (data (i32.const 256) "m")
  (data (i32.const 264) "{}")
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (local $n i32)
    (local.set $n (call $parse_u32 (local.get $ptr) (local.get $len)))
    (if (i32.eq (local.get $n) (i32.const 1))
      (then (call $log (i32.const 4096) (i32.const 1000) (i32.const 264) (i32.const 2))))
    (if (i32.eq (local.get $n) (i32.const 2))
      (then (call $call (i32.const 4096) (i32.const 1000) (i32.const 256) (i32.const 1)
        (i32.const 264) (i32.const 2) (i32.const 32))))
    (if (i32.eq (local.get $n) (i32.const 3))
      (then
        (drop (memory.grow (i32.const 8)))
        (call $call (i32.const 256) (i32.const 1) (i32.const 256) (i32.const 1)
          (i32.const 0) (i32.const 300000) (i32.const 32))))
    (call $ok_u32 (local.get $n))))
