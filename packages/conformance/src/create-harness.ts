import {
  createEngine,
  type Engine,
  type EngineOptions,
  type InvocationResult,
  type InvokeRequest,
  type LoadedExtension,
  type LoadOptions,
} from "@ameide-ext/runtime";
import { expect } from "vitest";
import { buildGuest } from "./build-guest.js";

/** Where an invocation runs: `engine.invokeInline` or `engine.invoke` (the worker pool). */
export type Mode = "inline" | "pool";
/** Both modes, for `describe.each`. */
export const MODES: readonly Mode[] = ["inline", "pool"];

/**
 * Wall-clock limit given to guests at load unless a test sets its own: far
 * above any honest run, so a busy CI machine cannot turn a good invocation
 * into a time-out. Tests of time-outs pass a small `timeoutMs` per invocation.
 */
export const GENEROUS_TIMEOUT_MS = 10_000;

/** One engine under test, with its guests and the well-behaved control guest. */
export interface Harness {
  readonly engine: Engine;
  /** Builds and loads guest `name`, with {@link GENEROUS_TIMEOUT_MS} unless `options.limits` says otherwise. */
  load(name: string, options?: LoadOptions): Promise<LoadedExtension>;
  /** Runs one invocation in `mode`; a refused request rejects in both modes. */
  invoke(mode: Mode, ext: LoadedExtension, request: InvokeRequest): Promise<InvocationResult>;
  /**
   * Asserts the engine still serves the echo guest inline and, for `pool`,
   * in the worker pool too: what every test checks after a hostile guest.
   */
  expectHealthy(mode: Mode): Promise<void>;
  /** Stops the engine's worker pool. */
  close(): Promise<void>;
}

/** Creates a {@link Harness} over `createEngine(options)`; the pool defaults to one worker. */
export function createHarness(options: EngineOptions = {}): Harness {
  const engine = createEngine({ ...options, pool: { size: 1, ...options.pool } });
  let echo: Promise<LoadedExtension> | undefined;
  let probes = 0;

  const load = async (name: string, opts: LoadOptions = {}) =>
    engine.load(await buildGuest(name), {
      ...opts,
      limits: { timeoutMs: GENEROUS_TIMEOUT_MS, ...opts.limits },
    });

  const invoke = async (mode: Mode, ext: LoadedExtension, request: InvokeRequest) =>
    mode === "inline" ? engine.invokeInline(ext, request) : engine.invoke(ext, request);

  return {
    engine,
    load,
    invoke,
    async expectHealthy(mode) {
      echo ??= load("echo");
      const ext = await echo;
      const input = JSON.stringify({ probe: ++probes });
      const modes: Mode[] = mode === "pool" ? ["inline", "pool"] : ["inline"];
      for (const m of modes) {
        const r = await invoke(m, ext, { input });
        expect({ mode: m, outcome: r.outcome, output: r.output, error: r.error }).toEqual({
          mode: m,
          outcome: "ok",
          output: input,
          error: undefined,
        });
      }
    },
    close: () => engine.close(),
  };
}
