;; arith-loop: a xorshift generator, a data-dependent branch and a
;; read-modify-write of a 4 KiB table (the bench's loop-heavy guest, forever):
;; ordinary straight-line integer code with loads and stores.
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (local $x i32) (local $h i32) (local $a i32)
    (local.set $x (i32.const 2463534242))
    (local.set $h (i32.const -2128831035))
    (loop $iter
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
      (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
      (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
      (local.set $a (i32.add (i32.const 32768) (i32.and (local.get $x) (i32.const 4092))))
      (if (i32.and (local.get $x) (i32.const 256))
        (then (local.set $h (i32.add (i32.mul (local.get $h) (i32.const 31)) (local.get $x))))
        (else (local.set $h (i32.xor (local.get $h) (i32.shr_u (local.get $x) (i32.const 3))))))
      (i32.store (local.get $a) (i32.add (i32.load (local.get $a)) (local.get $h)))
      (local.set $h (i32.mul (i32.xor (local.get $h) (i32.load (local.get $a))) (i32.const 16777619)))
      (br $iter))
    unreachable))
