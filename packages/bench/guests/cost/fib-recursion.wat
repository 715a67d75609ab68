;; fib-recursion: fib(40) by naive recursion, about 330 million calls of a tiny
;; function: calls, returns and a deep-ish stack.
(module
  ;; @prelude
  (func $fib (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add
        (call $fib (i32.sub (local.get $n) (i32.const 1)))
        (call $fib (i32.sub (local.get $n) (i32.const 2)))))))
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (drop (call $fib (i32.const 40)))
    unreachable))
