;; locals-heavy: a loop that rotates sixteen i64 locals with adds, more live
;; values than registers: spills to the stack on every turn. The last one is
;; stored, so that no compiler can drop the chain.
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (local $a i64) (local $b i64) (local $c i64) (local $d i64)
    (local $e i64) (local $f i64) (local $g i64) (local $h i64)
    (local $i i64) (local $j i64) (local $k i64) (local $l i64)
    (local $m i64) (local $n i64) (local $o i64) (local $p i64)
    (local.set $a (i64.const 1))
    (loop $turn
      (local.set $b (i64.add (local.get $b) (local.get $a)))
      (local.set $c (i64.add (local.get $c) (local.get $b)))
      (local.set $d (i64.add (local.get $d) (local.get $c)))
      (local.set $e (i64.add (local.get $e) (local.get $d)))
      (local.set $f (i64.add (local.get $f) (local.get $e)))
      (local.set $g (i64.add (local.get $g) (local.get $f)))
      (local.set $h (i64.add (local.get $h) (local.get $g)))
      (local.set $i (i64.add (local.get $i) (local.get $h)))
      (local.set $j (i64.add (local.get $j) (local.get $i)))
      (local.set $k (i64.add (local.get $k) (local.get $j)))
      (local.set $l (i64.add (local.get $l) (local.get $k)))
      (local.set $m (i64.add (local.get $m) (local.get $l)))
      (local.set $n (i64.add (local.get $n) (local.get $m)))
      (local.set $o (i64.add (local.get $o) (local.get $n)))
      (local.set $p (i64.add (local.get $p) (local.get $o)))
      (local.set $a (i64.xor (local.get $a) (local.get $p)))
      (i64.store (i32.const 8192) (local.get $a))
      (br $turn))
    unreachable))
