// The canonical ABI glue between the hook and the component model
// (string-encoding=utf8, memory32). Internal to the PDK: hook authors use
// `log`, `host`, `fail` and `JSON` from "@ameide-ext/pdk" instead.
//
// Core signatures, as `wit-component` lowers the world `ameide:extension/extension@1.0.0`:
//   import host.log:  (levelPtr, levelLen, msgPtr, msgLen) -> ()
//   import host.call: (svcPtr, svcLen, methodPtr, methodLen, reqPtr, reqLen, retPtr) -> ()
//   export run:       (inputPtr, inputLen) -> retPtr
//   a result<string, string> in memory: u8 discriminant at +0 (0 ok, 1 err),
//   u32 string pointer at +4, u32 UTF-8 byte length at +8.

import { liftUtf8, loweredLength, lowerToHeap, lowerUtf8, utf8Length } from "./utf8";

// @ts-ignore: decorator
@external("ameide:extension/host@1.0.0", "log")
declare function hostLog(levelPtr: usize, levelLen: usize, msgPtr: usize, msgLen: usize): void;

// @ts-ignore: decorator
@external("ameide:extension/host@1.0.0", "call")
declare function hostCall(
  servicePtr: usize,
  serviceLen: usize,
  methodPtr: usize,
  methodLen: usize,
  requestPtr: usize,
  requestLen: usize,
  retPtr: usize,
): void;

/** The 12-byte return area of `run`, 4-aligned, read by the host after `run` returns. */
const RUN_RET: usize = memory.data(12, 4);
/** The 12-byte area where the host writes the result of `host.call`. */
const CALL_RET: usize = memory.data(12, 4);

// A scratch buffer for strings passed to the host: the host copies them
// during the call, so one buffer serves every call and nothing piles up.
let scratch: usize = 0;
let scratchSize: usize = 0;

function reserveScratch(size: usize): usize {
  if (size > scratchSize) {
    let grown = scratchSize << 1;
    if (grown < size) grown = size;
    if (grown < 256) grown = 256;
    scratch = heap.alloc(grown);
    scratchSize = grown;
  }
  return scratch;
}

/** Appends one line to the invocation's log through the host. */
export function writeLog(level: string, message: string): void {
  const levelLen = utf8Length(level);
  const messageLen = utf8Length(message);
  const base = reserveScratch(levelLen + messageLen);
  lowerUtf8(level, base);
  lowerUtf8(message, base + levelLen);
  hostLog(base, levelLen, base + levelLen, messageLen);
}

/** What `host.call` returned: the ok or the error payload, both UTF-8 JSON text. */
export class RawCallResult {
  /** True for the ok variant. */
  isOk: bool = false;
  /** The payload of whichever variant the host returned. */
  payload: string = "";
}

/** Calls the host and lifts the `result<string, string>` it writes. */
export function callHost(service: string, method: string, request: string): RawCallResult {
  const serviceLen = utf8Length(service);
  const methodLen = utf8Length(method);
  const requestLen = utf8Length(request);
  const base = reserveScratch(serviceLen + methodLen + requestLen);
  lowerUtf8(service, base);
  lowerUtf8(method, base + serviceLen);
  lowerUtf8(request, base + serviceLen + methodLen);
  store<u8>(CALL_RET, 0xff);
  hostCall(base, serviceLen, base + serviceLen, methodLen, base + serviceLen + methodLen, requestLen, CALL_RET);
  const tag = load<u8>(CALL_RET);
  if (tag > 1) throw new Error("host.call: the host wrote no result");
  const result = new RawCallResult();
  result.isOk = tag == 0;
  result.payload = liftUtf8(load<u32>(CALL_RET, 4), load<u32>(CALL_RET, 8));
  return result;
}

/**
 * The allocator the host uses to place strings in guest memory (the input of
 * `run`, the payloads of `host.call`). The stub runtime never frees: a hook
 * instance is meant to serve one invocation.
 */
export function cabi_realloc(oldPtr: usize, oldSize: usize, align: usize, newSize: usize): usize {
  // The stub allocator aligns to 16 bytes; larger alignments are over-allocated.
  let ptr: usize;
  if (align <= 16) {
    ptr = heap.alloc(newSize);
  } else {
    ptr = (heap.alloc(newSize + align) + align - 1) & ~(align - 1);
  }
  if (oldPtr != 0) memory.copy(ptr, oldPtr, oldSize < newSize ? oldSize : newSize);
  return ptr;
}

/** Called by the host once it has read the result of `run`; nothing to free with the stub runtime. */
export function cabi_post_run(retPtr: usize): void {}

// The business error recorded by `fail`, as JSON text; null while the run is fine.
let pendingError: string | null = null;

/** Records the business error the current invocation returns (see `fail`). */
export function setPendingError(errorJson: string): void {
  pendingError = errorJson;
}

/** Starts an invocation: forgets any earlier error and lifts the UTF-8 input. */
export function beginRun(ptr: usize, len: usize): string {
  pendingError = null;
  return liftUtf8(ptr, len);
}

/** Ends an invocation: lowers the output, or the pending business error, into the return area. */
export function endRun(output: string): usize {
  const error = pendingError;
  let payload = output;
  store<u8>(RUN_RET, 0);
  if (error !== null) {
    payload = error;
    store<u8>(RUN_RET, 1);
    pendingError = null;
  }
  const ptr = lowerToHeap(payload);
  store<u32>(RUN_RET, <u32>ptr, 4);
  store<u32>(RUN_RET, <u32>loweredLength, 8);
  return RUN_RET;
}
