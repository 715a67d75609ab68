;; huge-output: returns a 1 MiB JSON string ("aaaa…a"), sixteen times the
;; default output limit of 64 KiB. The length is checked before the bytes are read.
;; Expect: resource_exhausted / output_size.
;; build: component
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (local $out i32)
    (local.set $out (call $cabi_realloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 1048576)))
    (memory.fill (local.get $out) (i32.const 97) (i32.const 1048576))
    (i32.store8 (local.get $out) (i32.const 34))
    (i32.store8 (i32.add (local.get $out) (i32.const 1048575)) (i32.const 34))
    (call $ok (local.get $out) (i32.const 1048576))))
