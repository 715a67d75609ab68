;; call-indirect-recursion: fib(40) by naive recursion through call_indirect:
;; the table lookup and the signature check on every call.
(module
  ;; @prelude
  (type $fn (func (param i32) (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) func $fib)
  (func $fib (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add
        (call_indirect (type $fn) (i32.sub (local.get $n) (i32.const 1)) (i32.const 0))
        (call_indirect (type $fn) (i32.sub (local.get $n) (i32.const 2)) (i32.const 0))))))
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (drop (call_indirect (type $fn) (i32.const 40) (i32.const 0)))
    unreachable))
