;; many-big-tables: 16 funcref tables of 100,000 entries each, 1.6 million
;; entries in a module of a few hundred bytes. At 32 bytes an entry (what V8
;; spends on a funcref table) that is 51 MB per instance, against a memory
;; cap of 16 MiB, whose table budget is 524,288 entries. The attack it stands
;; for: 100 tables of 1M entries took 7.5 s to load and 2.8 GB of RSS.
;; Expect: load refused with invalid_argument / module_too_complex (cap tableEntries).
;; build: component
(module
  ;; @repeat 16 (table 100000 funcref)
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))
  (func (export "run") (param i32 i32) (result i32) (i32.const 16))
  (func (export "cabi_post_run") (param i32)))
