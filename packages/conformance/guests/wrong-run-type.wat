;; wrong-run-type: a component that exports `run` as
;; func(input-json: string) -> string, without the result<string, string>.
;; Expect: load refused with invalid_argument / contract_mismatch (the world check).
;; build: component-text
(component
  (core module $main
    (memory (export "memory") 1)
    (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 4096))
    (func (export "run") (param i32 i32) (result i32) (i32.const 16)))
  (core instance $m (instantiate $main))
  (func (export "run") (param "input-json" string) (result string)
    (canon lift (core func $m "run") (memory (core memory $m "memory")) (realloc (core func $m "cabi_realloc")))))
