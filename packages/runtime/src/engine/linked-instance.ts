import { ExtensionError, formatBytes, HOST_STRING_CAPS, restoreFuel } from "@ameide-ext/contract";
import { evaluateGlue } from "../component/evaluate-glue.js";
import type { LinkedExtension, LinkedModule } from "../component/link-component.js";
import { COUNTERS_MODULE, INIT_FUEL_DEFAULT } from "../wasm/instrument-module.js";
import type { GuestInstance, GuestRunOptions, GuestRunResult } from "./guest-instance.js";
import { createGuestLog, type GuestLog } from "./guest-log.js";
import { chargeHostBytes, checkHostString } from "./host-bytes.js";
import { guardHostImports, type HostStringHooks } from "./host-import-guard.js";
import { newInstanceFuel } from "./new-instance-fuel.js";
import { checkOutputSize, classifyFailure, judgePayload } from "./run-outcome.js";

const decoder = new TextDecoder("utf-8", { fatal: true });
const HOST_KEYS = ["ameide:extension/host@1.0.0", "ameide:extension/host"];

interface Live {
  run: (input: string) => unknown;
  fuel: WebAssembly.Global;
  depth: WebAssembly.Global;
  trap: WebAssembly.Global;
  memories: WebAssembly.Memory[];
  memorySnapshots: Uint8Array[];
  globals: WebAssembly.Global[];
  globalSnapshots: Array<number | bigint>;
}

interface RunState {
  opts: GuestRunOptions;
  log: GuestLog;
  hostCalls: number;
  pending: ExtensionError | undefined;
  /** The fuel counter the host charges for the bytes it reads and writes. */
  fuel: WebAssembly.Global;
  /** The length of a log message over the log's cap, which the glue was told to decode as empty. */
  droppedLogBytes: number | undefined;
}

/** The payload of the err variant, as jco's glue throws it (a ComponentError with `payload`). */
function errPayload(cause: unknown): string | undefined {
  if (typeof cause !== "object" || cause === null || !("payload" in cause)) return undefined;
  const payload = (cause as { payload: unknown }).payload;
  return typeof payload === "string" ? payload : undefined;
}

/**
 * A guest whose component links several core modules (a JavaScript hook):
 * instantiated through the component's glue with metered modules that share
 * one fuel budget; every memory and mutable global is snapshotted after
 * instantiation and restored before each run, the same isolation as
 * {@link createGuestInstance}. An instance that trapped, whose memory grew, or
 * that changes tables or drops segments is replaced.
 */
export function createLinkedInstance(linked: LinkedExtension): GuestInstance {
  const instantiateGlue = evaluateGlue(linked.glue);
  // Tables written or segments dropped: state a restore does not undo, so each run gets a new instance.
  const fresh = [...linked.modules.values()].some((m) => m.mutatesTables || m.dropsSegments);
  const byModule = new Map<WebAssembly.Module, LinkedModule>();
  for (const m of linked.modules.values()) byModule.set(m.module, m);
  let live: Live | undefined;
  let state: RunState | undefined;
  let dirty = false;
  let instantiations = 0;
  /** Fuel for the new instance made for the next run (after a trap, a memory growth, or each run when `fresh`), owed until a run pays it in full. */
  let owed = 0;
  const glueBytes = Buffer.byteLength(linked.glue);

  /** Runs a host-side check for the guest: an error it throws ends the invocation (and wins over the trap it causes). */
  const guarded = <T>(s: RunState, check: () => T): T => {
    try {
      return check();
    } catch (cause) {
      s.pending = ExtensionError.from(cause);
      throw s.pending;
    }
  };

  // Before jco's glue decodes a byte: the caps and the fuel of what the host reads.
  const hooks: HostStringHooks = {
    log(levelBytes, messageBytes) {
      const s = state;
      if (!s) return messageBytes;
      return guarded(s, () => {
        checkHostString(levelBytes, HOST_STRING_CAPS.levelBytes, "log level");
        const kept = s.log.fits(messageBytes);
        chargeHostBytes(s.fuel, levelBytes + (kept ? messageBytes : 0));
        // Over the log's cap, the line is only counted: the glue decodes an empty message instead.
        s.droppedLogBytes = kept ? undefined : messageBytes;
        return kept ? messageBytes : 0;
      });
    },
    call(serviceBytes, methodBytes, requestBytes) {
      const s = state;
      if (!s) return;
      guarded(s, () => {
        checkHostString(serviceBytes, HOST_STRING_CAPS.nameBytes, "host call service name");
        checkHostString(methodBytes, HOST_STRING_CAPS.nameBytes, "host call method name");
        checkHostString(requestBytes, HOST_STRING_CAPS.requestBytes, "host call request");
        chargeHostBytes(s.fuel, serviceBytes + methodBytes + requestBytes);
      });
    },
  };

  const host = {
    log(level: string, message: string) {
      const s = state;
      if (!s) return;
      const bytes = s.droppedLogBytes ?? Buffer.byteLength(message);
      s.droppedLogBytes = undefined;
      // Again after decoding, for a component that reaches the host by another import than the guarded one.
      guarded(s, () => checkHostString(Buffer.byteLength(level), HOST_STRING_CAPS.levelBytes, "log level"));
      s.log.add(level, message, bytes);
    },
    call(service: string, method: string, requestJson: string): string {
      const s = state;
      if (!s) throw new ExtensionError("internal", "host call outside an invocation", "trap");
      guarded(s, () => {
        checkHostString(Buffer.byteLength(service), HOST_STRING_CAPS.nameBytes, "host call service name");
        checkHostString(Buffer.byteLength(method), HOST_STRING_CAPS.nameBytes, "host call method name");
        checkHostString(Buffer.byteLength(requestJson), HOST_STRING_CAPS.requestBytes, "host call request");
      });
      s.hostCalls++;
      let answer: ReturnType<NonNullable<GuestRunOptions["hostCall"]>>;
      try {
        if (!s.opts.hostCall) {
          throw new ExtensionError(
            "permission_denied",
            `host call ${service}.${method} refused: no host calls are available here`,
            "host_call_denied",
          );
        }
        answer = s.opts.hostCall(service, method, requestJson);
        // The answer the glue writes into the guest's memory.
        chargeHostBytes(s.fuel, Buffer.byteLength("ok" in answer ? answer.ok : answer.err));
      } catch (cause) {
        // A refusal (or a time-out) ends the invocation here, as for a one-module guest: the glue
        // rethrows an Error through the guest's frames (only a thrown { payload } becomes its err result).
        s.pending = ExtensionError.from(cause);
        throw s.pending;
      }
      if ("ok" in answer) return answer.ok;
      throw { payload: answer.err };
    },
  };

  const instantiate = () => {
    const fuel = new WebAssembly.Global({ value: "i64", mutable: true }, INIT_FUEL_DEFAULT);
    const depth = new WebAssembly.Global({ value: "i32", mutable: true }, 0);
    const trap = new WebAssembly.Global({ value: "i32", mutable: true }, 0);
    const counters = { fuel, depth, trap };
    const memories: WebAssembly.Memory[] = [];
    const globals: WebAssembly.Global[] = [];
    const imports: Record<string, unknown> = {};
    for (const key of HOST_KEYS) imports[key] = host;
    // Functions the core modules export: what a module may import from a sibling, not the host.
    const coreFunctions = new WeakSet<object>();
    const api = instantiateGlue(
      (name) => {
        const m = linked.modules.get(name);
        if (!m)
          throw new ExtensionError(
            "invalid_argument",
            `the glue asked for an unknown core module ${name}`,
            "invalid_module",
          );
        return m.module;
      },
      imports,
      (module, importObject) => {
        const meta = byModule.get(module);
        const instance = new WebAssembly.Instance(module, {
          ...guardHostImports(importObject, hooks, meta?.hostShaped, (fn) => coreFunctions.has(fn as object)),
          [COUNTERS_MODULE]: counters,
        } as WebAssembly.Imports);
        for (const value of Object.values(instance.exports)) {
          if (typeof value === "function") coreFunctions.add(value);
          if (value instanceof WebAssembly.Memory && !memories.includes(value)) memories.push(value);
        }
        for (const name of meta?.snapshotGlobals ?? [])
          globals.push(instance.exports[name] as WebAssembly.Global);
        return instance;
      },
    );
    const run = api.run;
    if (typeof run !== "function")
      throw new ExtensionError("invalid_argument", "the component does not export run", "missing_export");
    depth.value = 0;
    trap.value = 0;
    live = {
      run: run as Live["run"],
      fuel,
      depth,
      trap,
      memories,
      memorySnapshots: memories.map((m) => new Uint8Array(m.buffer.slice(0))),
      globals,
      globalSnapshots: globals.map((g) => g.value as number | bigint),
    };
    // Its start functions ran again (jco's glue makes every instance whole): their fuel is owed as well.
    if (instantiations > 0)
      owed =
        newInstanceFuel([...linked.modules.values()], glueBytes, snapshotBytes(live as Live)) +
        Number(INIT_FUEL_DEFAULT - (fuel.value as bigint));
    instantiations++;
    dirty = false;
  };

  /** True when a restored snapshot is not enough: no instance yet (or it trapped), memory growth, or tables that may have changed. */
  const needsInstance = (): boolean => {
    const l = live;
    return (
      !l ||
      (dirty && fresh) ||
      l.memories.some((m, i) => m.buffer.byteLength !== (l.memorySnapshots[i] as Uint8Array).length)
    );
  };

  const reset = (): Live => {
    const l = live;
    if (!l || needsInstance()) {
      instantiate();
      return live as Live;
    }
    if (dirty) {
      l.memories.forEach((m, i) => {
        new Uint8Array(m.buffer).set(l.memorySnapshots[i] as Uint8Array);
      });
      l.globals.forEach((g, i) => {
        g.value = l.globalSnapshots[i];
      });
      l.depth.value = 0;
      l.trap.value = 0;
      dirty = false;
    }
    return l;
  };

  const memoryBytes = () => live?.memories.reduce((n, m) => n + m.buffer.byteLength, 0) ?? 0;
  const snapshotBytes = (l: Live) => l.memorySnapshots.reduce((n, m) => n + m.length, 0);

  /** The result when the restore's charge alone is over the budget: the guest does not run, and its instance stays clean. */
  const overBudget = (s: RunState, charge: number, fuel: number): GuestRunResult => ({
    outcome: "technical_error",
    error: new ExtensionError(
      "resource_exhausted",
      `fuel exhausted before the guest ran: restoring its ${formatBytes(memoryBytes())} of memory, and making a new instance if it needed one, costs ${charge} instructions, the budget is ${fuel}`,
      "fuel",
      { limit: fuel, charge },
    ).toJSON(),
    fuelUsed: fuel,
    memoryBytes: memoryBytes(),
    outputBytes: 0,
    hostCalls: 0,
    logs: s.log.finish(),
  });

  return {
    get instantiations() {
      return instantiations;
    },
    // Each new linked instance runs the modules' start and initialize functions again (through jco's glue).
    get startRuns() {
      return instantiations;
    },
    get startsWithoutGuestCode() {
      return !needsInstance();
    },
    get ready() {
      return !needsInstance();
    },
    warm() {
      if (needsInstance()) instantiate();
    },
    // The glue instantiates the modules together: there is no snapshot another thread could start from.
    snapshot() {
      return undefined;
    },
    clean() {
      // A restore only: making a new instance is warm()'s work, which the pool bounds on its own.
      if (state === undefined && dirty && !needsInstance()) reset();
    },
    run(opts): GuestRunResult {
      const l = reset(); // what instantiation throws, the caller gets
      const s: RunState = {
        opts,
        log: createGuestLog(opts.logLines, opts.logBytes),
        hostCalls: 0,
        pending: undefined,
        fuel: l.fuel,
        droppedLogBytes: undefined,
      };
      const budget = BigInt(opts.fuel);
      // Every run starts from its memories restored, charged by their size, as a one-module guest's; and pays
      // for a new instance made for it.
      const charge = BigInt(restoreFuel(snapshotBytes(l)) + owed);
      // Owed until a run pays it in full: a refusal that paid it would leave the instance made for nothing.
      if (charge >= budget) return overBudget(s, Number(charge), opts.fuel);
      owed = 0;
      let result: GuestRunResult;
      try {
        state = s;
        dirty = true;
        l.fuel.value = budget - charge;
        let ok = true;
        let text: string;
        try {
          const out = l.run(decoder.decode(opts.input));
          if (typeof out !== "string")
            throw new ExtensionError("internal", "run returned no string", "invalid_output");
          text = out;
        } catch (cause) {
          const payload = errPayload(cause);
          if (payload === undefined || s.pending) throw cause;
          ok = false;
          text = payload;
        }
        if (s.pending) throw s.pending;
        const bytes = Buffer.byteLength(text);
        checkOutputSize(bytes, opts.outputLimitBytes);
        result = {
          ...judgePayload(ok, text, bytes),
          fuelUsed: Number(budget - (l.fuel.value as bigint)),
          memoryBytes: memoryBytes(),
          hostCalls: s.hostCalls,
          logs: s.log.finish(),
        };
      } catch (cause) {
        const err = classifyFailure(
          cause,
          s.pending,
          l.trap.value as number,
          opts.fuel,
          linked.memoryLimitBytes,
        );
        const left = l.fuel.value as bigint;
        const peak = memoryBytes();
        live = undefined;
        result = {
          outcome: "technical_error",
          error: err.toJSON(),
          fuelUsed:
            err.reason === "fuel" ? opts.fuel : Math.max(0, Math.min(opts.fuel, Number(budget - left))),
          memoryBytes: peak,
          outputBytes: 0,
          hostCalls: s.hostCalls,
          logs: s.log.finish(),
        };
      } finally {
        state = undefined;
      }
      return result;
    },
  };
}
