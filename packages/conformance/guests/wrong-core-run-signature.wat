;; wrong-core-run-signature: a component whose world is right (its lifted run
;; is the core function `entry`) but whose core module also exports a decoy
;; core `run` of type (i32) -> (i64). The runtime calls the core export `run`,
;; so it must check that export's signature against the canonical ABI.
;; Expect: load refused with invalid_argument / contract_mismatch (the core check).
;; build: component-text
(component
  (core module $main
    (memory (export "memory") 1)
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))
    (func (export "entry") (param i32 i32) (result i32) (i32.const 16))
    (func (export "run") (param i32) (result i64) (i64.const 0)))
  (core instance $m (instantiate $main))
  (func (export "run") (param "input-json" string) (result (result string (error string)))
    (canon lift (core func $m "entry") (memory (core memory $m "memory")) (realloc (core func $m "cabi_realloc")))))
