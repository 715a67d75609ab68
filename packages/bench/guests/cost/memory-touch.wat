;; memory-touch: memory.grow(1) and a store into each 4 KiB of the new page, in
;; a loop: the operating system's page faults and zeroing, which memory.grow
;; itself does not pay for, but the first touch does.
;; memory_mb: 1024
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (local $page i32) (local $at i32)
    (loop $grow
      (local.set $page (memory.grow (i32.const 1)))
      (if (i32.ge_s (local.get $page) (i32.const 0))
        (then
          (local.set $at (i32.mul (local.get $page) (i32.const 65536)))
          (loop $touch
            (i32.store8 (local.get $at) (i32.const 1))
            (local.set $at (i32.add (local.get $at) (i32.const 4096)))
            (br_if $touch (i32.and (local.get $at) (i32.const 65535))))))
      (br $grow))
    unreachable))
