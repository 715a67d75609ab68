;; Helpers appended to GUEST_PRELUDE (packages/runtime/src/testing/wat-component.ts)
;; wherever a guest writes `;; @prelude`. This is a fragment of a module, not a
;; guest. Memory layout shared by the guests:
;;   16..28    the prelude's result area ($ok / $err)
;;   32..44    host.call's return area (disc u8, ptr u32, len u32)
;;   256..4095 each guest's own constants (data segments)
;;   4096..    the prelude's bump heap ($cabi_realloc)

;; $parse_u32 (ptr len) -> value: the leading decimal digits of a JSON number.
;; Stops at the first byte that is not a digit; no digits gives 0.
(func $parse_u32 (param $p i32) (param $n i32) (result i32)
  (local $end i32) (local $v i32) (local $c i32)
  (local.set $end (i32.add (local.get $p) (local.get $n)))
  (block $done
    (loop $next
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $c (i32.sub (i32.load8_u (local.get $p)) (i32.const 48)))
      (br_if $done (i32.gt_u (local.get $c) (i32.const 9)))
      (local.set $v (i32.add (i32.mul (local.get $v) (i32.const 10)) (local.get $c)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $next)))
  (local.get $v))

;; $find (ptr end byte) -> the address of the first `byte` in [ptr, end), or end.
(func $find (param $p i32) (param $end i32) (param $b i32) (result i32)
  (block $done
    (loop $next
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (br_if $done (i32.eq (i32.load8_u (local.get $p)) (local.get $b)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $next)))
  (local.get $p))

;; $ok_u32 (value) -> retptr: an ok result whose output is `value` as a JSON number.
(func $ok_u32 (param $v i32) (result i32)
  (local $end i32) (local $p i32)
  (local.set $end
    (i32.add (call $cabi_realloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 10)) (i32.const 10)))
  (local.set $p (local.get $end))
  (loop $digit
    (local.set $p (i32.sub (local.get $p) (i32.const 1)))
    (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
    (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
    (br_if $digit (local.get $v)))
  (call $ok (local.get $p) (i32.sub (local.get $end) (local.get $p))))
