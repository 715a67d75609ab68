;; linked-renamed-host: a composed component (linked like a TypeScript hook)
;; that hands the lowered host `log` to its core module under a core instance
;; name of its own choosing ("h"), not the host interface's name. Logs one
;; line whose message is 1,000 x its input digit bytes (zeros) at "info",
;; then echoes its input. The host-strings guard must see these bytes, however
;; the core import is named: capped and charged before the glue decodes them.
;; Expect: ok; fuelUsed grows by exactly FUEL_PER_HOST_BYTE per byte of the
;; message, inline and in the pool.
;; build: component-text
(component
  (component $guest
    (import "ameide:extension/host@1.0.0" (instance $host
      (export "log" (func (param "level" string) (param "msg" string)))
      (export "call" (func (param "service" string) (param "method" string) (param "request-json" string) (result (result string (error string)))))))
    (core module $mem (memory (export "memory") 2))
    (core instance $memi (instantiate $mem))
    (core func $log (canon lower (func $host "log") (memory (core memory $memi "memory"))))
    (core instance $h (export "log" (func $log)))
    (core module $main
      (import "mem" "memory" (memory 2))
      (import "h" "log" (func $log (param i32 i32 i32 i32)))
      (data (i32.const 256) "info")
      (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
      (func (export "run") (param $ptr i32) (param $len i32) (result i32)
        (call $log (i32.const 256) (i32.const 4) (i32.const 32768)
          (i32.mul (i32.sub (i32.load8_u (local.get $ptr)) (i32.const 48)) (i32.const 1000)))
        (i32.store8 (i32.const 16) (i32.const 0))
        (i32.store (i32.const 20) (local.get $ptr))
        (i32.store (i32.const 24) (local.get $len))
        (i32.const 16)))
    (core instance $m (instantiate $main (with "mem" (instance $memi)) (with "h" (instance $h))))
    (func (export "run") (param "input-json" string) (result (result string (error string)))
      (canon lift (core func $m "run") (memory (core memory $memi "memory")) (realloc (core func $m "cabi_realloc")))))
  (import "ameide:extension/host@1.0.0" (instance $host
    (export "log" (func (param "level" string) (param "msg" string)))
    (export "call" (func (param "service" string) (param "method" string) (param "request-json" string) (result (result string (error string)))))))
  (instance $g (instantiate $guest (with "ameide:extension/host@1.0.0" (instance $host))))
  (export "run" (func $g "run")))
