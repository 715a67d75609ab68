;; table-grow-bomb: a one-entry table without a maximum; its run asks
;; table.grow for 1,000,000 more entries, then for 1,000 more, and returns
;; the table's size. The runtime gives every table a maximum within the
;; memory cap's table budget (524,288 entries at 16 MiB), so the first grow
;; returns -1 and the second succeeds. The attack it stands for: a grow by
;; 1M added 600 MB of RSS under memory_mb=16.
;; Expect: ok with output 1001, on every call, inline and in the pool.
;; build: component
(module
  ;; @prelude
  (table $t 1 funcref)
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (drop (table.grow $t (ref.null func) (i32.const 1000000)))
    (drop (table.grow $t (ref.null func) (i32.const 1000)))
    (call $ok_u32 (table.size $t))))
