;; infinite-loop: spins in an empty loop and never returns.
;; Expect: resource_exhausted / fuel with the default budget (inline and pool);
;;         deadline_exceeded / timeout in the pool with a generous budget
;;         (cpuMillis 10000) and a small timeoutMs: the worker is replaced.
;; build: component
(module
  ;; @prelude
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (loop $spin (br $spin))
    unreachable))
