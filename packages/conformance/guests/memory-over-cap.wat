;; memory-over-cap: declares an initial memory of 300 pages (18.75 MiB), over
;; the default cap of 16 MiB (256 pages). It never runs: the instrumenter sees
;; the initial size when it caps the memory, and the engine refuses the module
;; at load, before any instance exists.
;; Expect: load refused with resource_exhausted / memory.
;; build: component
(module
  (memory (export "memory") 300)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))
  (func (export "run") (param i32 i32) (result i32) (i32.const 16))
  (func (export "cabi_post_run") (param i32)))
