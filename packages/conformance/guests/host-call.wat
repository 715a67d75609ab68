;; host-call: makes N host calls, all alike. The input is a JSON array
;; [N,"service","method"]; each call sends the request "{}". On the first err
;; result it stops and returns the error payload as its own business error
;; (the payload is {"code","message"}, which is the business-error shape).
;; After N ok results it returns the last answer (or null when N is 0).
;; Expect: what the policy says. Low tier: permission_denied / host_call_denied,
;; the handler never reached. Medium: a read-only allowlisted method is answered,
;; a write is permission_denied / host_call_denied, the 2nd call is
;; resource_exhausted / host_call_limit. High: up to maxCalls answered, then
;; resource_exhausted / host_call_limit. A slow async handler in the pool:
;; deadline_exceeded / timeout. An async handler inline: failed_precondition /
;; host_call_failed. A handler that throws: business_error with the handler's
;; code and message.
;; build: component
(module
  ;; @prelude
  (data (i32.const 256) "{}")
  (data (i32.const 264) "null")
  (func (export "run") (param $ptr i32) (param $len i32) (result i32)
    (local $end i32) (local $n i32) (local $i i32)
    (local $svc i32) (local $svcEnd i32) (local $m i32) (local $mEnd i32)
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    ;; [N,"service","method"]: N after the bracket, then the two quoted strings.
    (local.set $n (call $parse_u32 (i32.add (local.get $ptr) (i32.const 1)) (i32.sub (local.get $len) (i32.const 1))))
    (local.set $svc (i32.add (call $find (local.get $ptr) (local.get $end) (i32.const 34)) (i32.const 1)))
    (local.set $svcEnd (call $find (local.get $svc) (local.get $end) (i32.const 34)))
    (local.set $m (i32.add (call $find (i32.add (local.get $svcEnd) (i32.const 1)) (local.get $end) (i32.const 34)) (i32.const 1)))
    (local.set $mEnd (call $find (local.get $m) (local.get $end) (i32.const 34)))
    (block $done
      (loop $again
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (call $call
          (local.get $svc) (i32.sub (local.get $svcEnd) (local.get $svc))
          (local.get $m) (i32.sub (local.get $mEnd) (local.get $m))
          (i32.const 256) (i32.const 2)
          (i32.const 32))
        (if (i32.load8_u (i32.const 32))
          (then (return (call $err (i32.load (i32.const 36)) (i32.load (i32.const 40))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $again)))
    (if (i32.eqz (local.get $n))
      (then (return (call $ok (i32.const 264) (i32.const 4)))))
    (call $ok (i32.load (i32.const 36)) (i32.load (i32.const 40)))))
