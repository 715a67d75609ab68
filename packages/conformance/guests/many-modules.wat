;; many-modules: a composed component of 34 core modules, each defining a
;; memory: every module of a linked component gets its own memory and table
;; budget, so the count of modules is capped too (32; a TypeScript hook has 13).
;; Expect: load refused with invalid_argument / module_too_complex (cap modules).
;; build: component-text
(component
  (component $guest
    ;; @repeat 33 (core module $x{i} (memory 1)) (core instance $xi{i} (instantiate $x{i}))
    (core module $main
      (memory (export "memory") 1)
      (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
      (func (export "run") (param i32 i32) (result i32)
        (i32.store8 (i32.const 100) (i32.const 49))
        (i32.store8 (i32.const 16) (i32.const 0))
        (i32.store (i32.const 20) (i32.const 100))
        (i32.store (i32.const 24) (i32.const 1))
        (i32.const 16)))
    (core instance $m (instantiate $main))
    (func (export "run") (param "input-json" string) (result (result string (error string)))
      (canon lift (core func $m "run") (memory (core memory $m "memory")) (realloc (core func $m "cabi_realloc")))))
  (instance $g (instantiate $guest))
  (export "run" (func $g "run")))
