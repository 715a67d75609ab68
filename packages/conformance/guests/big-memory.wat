;; big-memory: its start function grows memory to 256 pages (16 MiB); its run
;; does nothing and returns 1. Each invocation starts from a restored copy of
;; those 16 MiB: work the engine charges to the invocation as fuel.
;; Expect: ok with fuelUsed including the restore's charge; resource_exhausted / fuel when the budget is under that charge.
;; build: component
(module
  ;; @prelude
  (func $grow (drop (memory.grow (i32.const 255))))
  (start $grow)
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (call $ok_u32 (i32.const 1))))
