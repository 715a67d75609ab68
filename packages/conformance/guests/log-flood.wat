;; log-flood: logs N lines ("flood", level info), N being the input (a JSON
;; number), then returns N. With N = 10,000 it is far over the per-invocation
;; log limits (100 lines, 16 KiB by default).
;; Expect: ok; the logs cut at the limit and ended by one warn-level
;; "[log truncated: …]" marker line.
;; build: component
(module
  ;; @prelude
  (data (i32.const 256) "info")
  (data (i32.const 264) "flood")
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (local $n i32) (local $i i32)
    (local.set $n (call $parse_u32 (local.get $ptr) (local.get $len)))
    (block $done
      (loop $line
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (call $log (i32.const 256) (i32.const 4) (i32.const 264) (i32.const 5))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $line)))
    (call $ok_u32 (local.get $n))))
