;; memory-bomb-oob: grows its memory one page at a time, ignores memory.grow's
;; result and writes to the last byte of the page it believes it has just got.
;; Once a grow fails at the cap, that write is out of bounds and traps.
;; Expect: resource_exhausted / memory (the trap follows a failed grow).
;; build: component
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (local $pages i32)
    (local.set $pages (memory.size))
    (loop $grow
      (drop (memory.grow (i32.const 1)))
      (local.set $pages (i32.add (local.get $pages) (i32.const 1)))
      (i32.store8 (i32.sub (i32.mul (local.get $pages) (i32.const 65536)) (i32.const 1)) (i32.const 1))
      (br $grow))
    unreachable))
