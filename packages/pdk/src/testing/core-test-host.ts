/**
 * A tiny host for unit tests: runs a hook's CORE module with plain
 * WebAssembly, implementing the canonical ABI of the contract by hand. It
 * checks the ABI the build produces; the real runtime lives in
 * @ameide-ext/runtime. Test-only: not part of the package's API.
 */
import { HOST_INTERFACE } from "@ameide-ext/contract";

/** One line the guest logged. */
export interface LoggedLine {
  /** The level the guest passed. */
  level: string;
  /** The message. */
  message: string;
}

/** One host call the guest made. */
export interface RecordedCall {
  /** The service name. */
  service: string;
  /** The method name. */
  method: string;
  /** The request JSON text. */
  request: string;
}

/** What the test host answers to a host call: the ok or the err payload. */
export type CallReply = { ok: string } | { err: string };

/** Answers host calls. */
export type CallHandler = (call: RecordedCall) => CallReply;

/** The outcome of one invocation. */
export interface CoreRun {
  /** The `result<string, string>` returned by `run`; undefined if it trapped. */
  result: { ok: string } | { err: string } | undefined;
  /** The trap, if `run` trapped. */
  trap: Error | undefined;
  /** The lines logged, in order. */
  logs: LoggedLine[];
  /** The host calls made, in order. */
  calls: RecordedCall[];
}

/** The canonical ABI exports of a hook's core module. */
export interface HookExports {
  /** The linear memory. */
  memory: WebAssembly.Memory;
  /** The allocator the host places strings with. */
  cabi_realloc(oldPtr: number, oldSize: number, align: number, newSize: number): number;
  /** Runs the hook on the UTF-8 input at (ptr, len); returns the result area. */
  run(ptr: number, len: number): number;
  /** Called once the host has read the result. */
  cabi_post_run(retPtr: number): void;
}

/** A live instance of a hook's core module, with what it logged and called so far. */
export interface CoreInstance {
  /** The instance's exports. */
  exports: HookExports;
  /** The lines logged so far. */
  logs: LoggedLine[];
  /** The host calls made so far. */
  calls: RecordedCall[];
  /** Places `text` in guest memory with `cabi_realloc`; returns (ptr, len). */
  writeString(text: string): [number, number];
  /** Reads (ptr, len) of guest memory as UTF-8, refusing invalid UTF-8. */
  readString(ptr: number, len: number): string;
}

const modules = new WeakMap<Uint8Array, WebAssembly.Module>();
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

const refuseCalls: CallHandler = () => ({
  err: JSON.stringify({ code: "permission_denied", message: "no calls" }),
});

/** Instantiates the core module `core` with a host implementing `log` and `call` by the canonical ABI. */
export function instantiateCore(core: Uint8Array, onCall: CallHandler = refuseCalls): CoreInstance {
  let module = modules.get(core);
  if (module === undefined) {
    module = new WebAssembly.Module(new Uint8Array(core));
    modules.set(core, module);
  }
  const logs: LoggedLine[] = [];
  const calls: RecordedCall[] = [];
  let hook: HookExports | undefined;
  const exports = (): HookExports => {
    if (hook === undefined) throw new Error("the guest called the host during instantiation");
    return hook;
  };
  const readString = (ptr: number, len: number): string =>
    decoder.decode(new Uint8Array(exports().memory.buffer, ptr, len));
  const writeString = (text: string): [number, number] => {
    const bytes = encoder.encode(text);
    const ptr = exports().cabi_realloc(0, 0, 1, bytes.length);
    new Uint8Array(exports().memory.buffer, ptr, bytes.length).set(bytes);
    return [ptr, bytes.length];
  };

  const imports = {
    [HOST_INTERFACE]: {
      log(levelPtr: number, levelLen: number, msgPtr: number, msgLen: number): void {
        logs.push({ level: readString(levelPtr, levelLen), message: readString(msgPtr, msgLen) });
      },
      call(
        servicePtr: number,
        serviceLen: number,
        methodPtr: number,
        methodLen: number,
        requestPtr: number,
        requestLen: number,
        retPtr: number,
      ): void {
        const call = {
          service: readString(servicePtr, serviceLen),
          method: readString(methodPtr, methodLen),
          request: readString(requestPtr, requestLen),
        };
        calls.push(call);
        const reply = onCall(call);
        const [ptr, len] = writeString("ok" in reply ? reply.ok : reply.err);
        const view = new DataView(exports().memory.buffer);
        view.setUint8(retPtr, "ok" in reply ? 0 : 1);
        view.setUint32(retPtr + 4, ptr, true);
        view.setUint32(retPtr + 8, len, true);
      },
    },
  };
  hook = new WebAssembly.Instance(module, imports).exports as unknown as HookExports;
  return { exports: hook, logs, calls, writeString, readString };
}

/**
 * Runs `input` through a fresh instance of the core module `core`, as the
 * runtime would: the input is placed with `cabi_realloc`, `run` is called,
 * the 12-byte result area is read, then `cabi_post_run`.
 */
export function runCore(core: Uint8Array, input: string, onCall: CallHandler = refuseCalls): CoreRun {
  const { exports: hook, logs, calls, writeString, readString } = instantiateCore(core, onCall);
  try {
    const [ptr, len] = writeString(input);
    const retPtr = hook.run(ptr, len);
    if (retPtr % 4 !== 0) throw new Error(`run returned a misaligned pointer ${retPtr}`);
    const view = new DataView(hook.memory.buffer);
    const tag = view.getUint8(retPtr);
    const payload = readString(view.getUint32(retPtr + 4, true), view.getUint32(retPtr + 8, true));
    hook.cabi_post_run(retPtr);
    if (tag > 1) throw new Error(`run returned the discriminant ${tag}`);
    return { result: tag === 0 ? { ok: payload } : { err: payload }, trap: undefined, logs, calls };
  } catch (trap) {
    if (!(trap instanceof WebAssembly.RuntimeError)) throw trap;
    return { result: undefined, trap, logs, calls };
  }
}
