import { ExtensionError, formatBytes, HOST_STRING_CAPS, restoreFuel } from "@ameide-ext/contract";
import { evaluateGlue } from "../../component/evaluate-glue.js";
import type { LinkedExtension, LinkedModule } from "../../component/link-component.js";
import { COUNTERS_MODULE, INIT_FUEL_DEFAULT } from "../../wasm/instrument-module.js";
import { checkOutputSize, judgePayload } from "../invoke/run-outcome.js";
import { chargeHostBytes, checkHostString } from "./host-bytes.js";
import { guardHostImports, type HostStringHooks } from "./host-import-guard.js";
import {
  askHost,
  createInstanceLifecycle,
  type GuestInstance,
  type GuestPayload,
  guarded,
  type HostCallAnswer,
  type InstanceShape,
  type RunState,
} from "./instance-lifecycle.js";
import { newInstanceFuel } from "./new-instance-fuel.js";

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
 * instantiation and restored before each run, the same isolation and the same
 * lifecycle as {@link createGuestInstance} (createInstanceLifecycle). An
 * instance that trapped, whose memory grew, or that changes tables or drops
 * segments is replaced.
 */
export function createLinkedInstance(linked: LinkedExtension, remade = false): GuestInstance {
  return createInstanceLifecycle((current) => linkedShape(linked, current), remade);
}

/** The linked shape: the glue instantiates the core modules together; several memories; no snapshot to start from. */
function linkedShape(linked: LinkedExtension, current: () => RunState | undefined): InstanceShape {
  const instantiateGlue = evaluateGlue(linked.glue);
  const byModule = new Map<WebAssembly.Module, LinkedModule>();
  for (const m of linked.modules.values()) byModule.set(m.module, m);
  let live: Live | undefined;
  let instantiations = 0;
  /** The length of a log message over the log's cap, which the glue was told to decode as empty. */
  let droppedLogBytes: number | undefined;
  const glueBytes = Buffer.byteLength(linked.glue);
  /** The fuel counter the host charges for the bytes it reads and writes; only called during a run. */
  const fuel = () => (live as Live).fuel;

  // Before jco's glue decodes a byte: the caps and the fuel of what the host reads.
  const hooks: HostStringHooks = {
    log(levelBytes, messageBytes) {
      const s = current();
      if (!s) return messageBytes;
      return guarded(s, () => {
        checkHostString(levelBytes, HOST_STRING_CAPS.levelBytes, "log level");
        const kept = s.log.fits(messageBytes);
        chargeHostBytes(fuel(), levelBytes + (kept ? messageBytes : 0));
        // Over the log's cap, the line is only counted: the glue decodes an empty message instead.
        droppedLogBytes = kept ? undefined : messageBytes;
        return kept ? messageBytes : 0;
      });
    },
    call(serviceBytes, methodBytes, requestBytes) {
      const s = current();
      if (!s) return;
      guarded(s, () => {
        checkHostString(serviceBytes, HOST_STRING_CAPS.nameBytes, "host call service name");
        checkHostString(methodBytes, HOST_STRING_CAPS.nameBytes, "host call method name");
        checkHostString(requestBytes, HOST_STRING_CAPS.requestBytes, "host call request");
        chargeHostBytes(fuel(), serviceBytes + methodBytes + requestBytes);
      });
    },
  };

  const host = {
    log(level: string, message: string) {
      const s = current();
      if (!s) return;
      const bytes = droppedLogBytes ?? Buffer.byteLength(message);
      droppedLogBytes = undefined;
      // Again after decoding, for a component that reaches the host by another import than the guarded one.
      guarded(s, () => checkHostString(Buffer.byteLength(level), HOST_STRING_CAPS.levelBytes, "log level"));
      s.log.add(level, message, bytes);
    },
    call(service: string, method: string, requestJson: string): string {
      const s = current();
      if (!s) throw new ExtensionError("internal", "host call outside an invocation", "trap");
      guarded(s, () => {
        checkHostString(Buffer.byteLength(service), HOST_STRING_CAPS.nameBytes, "host call service name");
        checkHostString(Buffer.byteLength(method), HOST_STRING_CAPS.nameBytes, "host call method name");
        checkHostString(Buffer.byteLength(requestJson), HOST_STRING_CAPS.requestBytes, "host call request");
      });
      // A refusal (or a time-out) ends the invocation here, as for a one-module guest: the glue
      // rethrows an Error through the guest's frames (only a thrown { payload } becomes its err result).
      const answer: HostCallAnswer = guarded(s, () => {
        const a = askHost(s, service, method, requestJson);
        // The answer the glue writes into the guest's memory.
        chargeHostBytes(fuel(), Buffer.byteLength("ok" in a ? a.ok : a.err));
        return a;
      });
      if ("ok" in answer) return answer.ok;
      throw { payload: answer.err };
    },
  };

  const instantiateLinked = (): Live =>
    instantiateThroughGlue(linked, instantiateGlue, byModule, host, hooks);

  const memoryBytes = () => live?.memories.reduce((n, m) => n + m.buffer.byteLength, 0) ?? 0;
  const snapshotBytes = (l: Live) => l.memorySnapshots.reduce((n, m) => n + m.length, 0);

  return {
    // Tables written or segments dropped: state a restore does not undo, so each run gets a new instance.
    fresh: [...linked.modules.values()].some((m) => m.mutatesTables || m.dropsSegments),
    memoryLimitBytes: linked.memoryLimitBytes,
    instantiate() {
      live = undefined; // a failed instantiation leaves none
      live = instantiateLinked();
      instantiations++;
      // Its start functions ran again (jco's glue makes every instance whole): their fuel is owed as well.
      const startFuel = Number(INIT_FUEL_DEFAULT - (live.fuel.value as bigint));
      return newInstanceFuel([...linked.modules.values()], glueBytes, snapshotBytes(live)) + startFuel;
    },
    grown() {
      const l = live as Live;
      return l.memories.some((m, i) => m.buffer.byteLength !== (l.memorySnapshots[i] as Uint8Array).length);
    },
    restore() {
      const l = live as Live;
      l.memories.forEach((m, i) => {
        new Uint8Array(m.buffer).set(l.memorySnapshots[i] as Uint8Array);
      });
      l.globals.forEach((g, i) => {
        g.value = l.globalSnapshots[i];
      });
      l.depth.value = 0;
      l.trap.value = 0;
    },
    // The glue instantiates the modules together: there is no snapshot another thread could start from.
    restartsWithoutGuestCode: () => false,
    chargeBefore: () => 0,
    // Every run starts from its memories restored, charged by their size, as a one-module guest's.
    startCharge: () => restoreFuel(snapshotBytes(live as Live)),
    describeStart: () =>
      `restoring its ${formatBytes(memoryBytes())} of memory, and making a new instance if it needed one,`,
    memoryBytes,
    fuelLeft: () => live?.fuel.value as bigint | undefined,
    trapReason: () => (live?.trap.value as number | undefined) ?? 0,
    execute(s, fuelLeft): GuestPayload {
      const l = live as Live;
      droppedLogBytes = undefined;
      l.fuel.value = fuelLeft;
      let ok = true;
      let text: string;
      try {
        const out = l.run(decoder.decode(s.opts.input));
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
      checkOutputSize(bytes, s.opts.outputLimitBytes);
      return judgePayload(ok, text, bytes);
    },
    snapshot: () => undefined,
    // Each new linked instance runs the modules' start and initialize functions again (through jco's glue).
    startRuns: () => instantiations,
  };
}

/** Instantiates the component through its glue, every core module metered on one set of counters (fuel, depth, trap). */
function instantiateThroughGlue(
  linked: LinkedExtension,
  instantiateGlue: ReturnType<typeof evaluateGlue>,
  byModule: ReadonlyMap<WebAssembly.Module, LinkedModule>,
  host: object,
  hooks: HostStringHooks,
): Live {
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
      // The load refuses a guest import from the counters' module (scan-module.ts); glue never passes one.
      if (importObject !== undefined && Object.hasOwn(importObject, COUNTERS_MODULE))
        throw new ExtensionError(
          "internal",
          `the glue passed imports for ${COUNTERS_MODULE}, the runtime's own`,
        );
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
  return {
    run: run as Live["run"],
    fuel,
    depth,
    trap,
    memories,
    memorySnapshots: memories.map((m) => new Uint8Array(m.buffer.slice(0))),
    globals,
    globalSnapshots: globals.map((g) => g.value as number | bigint),
  };
}
