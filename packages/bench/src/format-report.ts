import type { FuelCalibration } from "./calibrate-fuel.js";
import { formatCostReport } from "./format-cost-report.js";
import { BUSY_LOAD_PER_CPU } from "./machine-info.js";
import type { EngineBenchResults } from "./run-engine-bench.js";

const int = (v: number) => Math.round(v).toLocaleString("en-US");
const fixed = (v: number, digits: number) => v.toFixed(digits);
const micros = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(1));

/** Lays out rows as a text table: the first column left-aligned, the others right-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? "").length)));
  const line = (r: readonly string[]) =>
    r
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join("  ")
      .trimEnd();
  const rule = widths.map((w) => "─".repeat(w)).join("  ");
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/** The calibration lines, with what `FUEL_PER_CPU_MILLI` should be. */
export function formatCalibration(fuelPerMs: number, current: number, fuelPerMsMedian: number): string {
  return [
    `fuel per ms: ${int(fuelPerMs)}  (metered instructions per millisecond of the loop-heavy guest, fastest run;` +
      ` ${int(fuelPerMsMedian)} from the median run)`,
    `FUEL_PER_CPU_MILLI in packages/contract/src/limits.ts is ${int(current)}; it should be about ${int(fuelPerMs)}` +
      ` (${fixed(fuelPerMs / current, 2)}× the current value).`,
  ].join("\n");
}

/** The report of `npm run calibrate`. */
export function formatCalibrationReport(c: FuelCalibration): string {
  return [
    formatCalibration(c.fuelPerMs, c.current, c.fuelPerMsMedian),
    `method: ${c.runs} timed runs after warm-up; fuel of one run (${int(c.fuelUsed)}) / fastest run (${fixed(c.bestMs, 2)} ms; median ${fixed(c.medianMs, 2)} ms)`,
  ].join("\n");
}

/** The human-readable report of one engine bench run. */
export function formatReport(r: EngineBenchResults, jsonPath: string): string {
  return [
    formatRunHeader(r),
    "",
    formatDealApproval(r.dealApproval),
    formatTypeScriptDeal(r.dealApproval),
    "",
    formatFuelOverhead(r.fuelOverhead),
    "",
    formatCostModel(r.costModel),
    "",
    formatCostReport(r.cost),
    "",
    formatFuelPerMs(r),
    "",
    "goals",
    formatTable(
      ["", "goal", "target", "measured"],
      r.goals.map((g) => [g.pass ? "PASS" : "MISS", g.name, g.target, g.actual]),
    ),
    "",
    `JSON: ${jsonPath}`,
    `run took ${fixed(r.durationSec, 1)} s`,
  ].join("\n");
}

/** The title, the machine and its load at the start. */
function formatRunHeader(r: EngineBenchResults): string {
  const m = r.machine;
  const busy = m.loadAverage1m > BUSY_LOAD_PER_CPU * m.cpus;
  return [
    `ameide-ext engine bench, ${r.startedAt}`,
    `machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node} (V8 ${m.v8}), ${m.platform}`,
    `load average (1 min) at start: ${fixed(m.loadAverage1m, 2)}` +
      (busy ? "  (the machine was busy: means, tails and times are noisier than on an idle machine)" : ""),
  ].join("\n");
}

/** Section 1, the AS hook: its build, its inline and pool latency against plain JS. */
function formatDealApproval(d: EngineBenchResults["dealApproval"]): string {
  return [
    `1. deal-approval rule: ${d.inputBytes} B of JSON in, out: ${d.output}` +
      `\n   AS hook: component ${int(d.hook.componentBytes)} B (core ${int(d.hook.coreBytes)} B), built in ${int(d.hook.buildMs)} ms, ${int(d.fuelPerInvocation)} fuel per invocation`,
    formatTable(
      ["path", "p50 µs", "p99 µs", "mean µs", "invocations/s", "samples"],
      [
        [
          "AS hook, inline (engine.invokeInline)",
          micros(d.inline.p50Us),
          micros(d.inline.p99Us),
          micros(d.inline.meanUs),
          `${int(d.inline.throughputPerSec)} (1 thread)`,
          int(d.inline.samples),
        ],
        [
          `AS hook, worker pool of ${d.pool.poolSize} (engine.invoke, ${d.pool.concurrency} in flight)`,
          micros(d.pool.p50Us),
          micros(d.pool.p99Us),
          micros(d.pool.meanUs),
          int(d.pool.throughputPerSec),
          int(d.pool.samples),
        ],
        [
          `AS hook, worker pool of ${d.poolSerial.poolSize} (engine.invoke, 1 in flight)`,
          micros(d.poolSerial.p50Us),
          micros(d.poolSerial.p99Us),
          micros(d.poolSerial.meanUs),
          int(d.poolSerial.throughputPerSec),
          int(d.poolSerial.samples),
        ],
        [
          "plain JS function (no sandbox)",
          micros(d.plainJs.p50Us),
          micros(d.plainJs.p99Us),
          micros(d.plainJs.meanUs),
          "",
          int(d.plainJs.samples),
        ],
      ],
    ),
    `   AS inline / plain JS: ${fixed(d.ratioInlineToPlainJs.p50, 1)}× at p50, ${fixed(d.ratioInlineToPlainJs.mean, 1)}× on the mean`,
  ].join("\n");
}

/** Section 1, the TS hook: its build and load times, its latency against the AS hook and plain JS, and how it was timed. */
function formatTypeScriptDeal(d: EngineBenchResults["dealApproval"]): string {
  const t = d.typescript;
  return [
    `   TS hook: component ${int(t.hook.componentBytes)} B (bundle ${int(t.hook.bundleBytes)} B of JavaScript), built in ${int(t.hook.buildMs)} ms, ${int(t.fuelPerInvocation)} fuel per invocation` +
      `\n   TS load: ${int(t.load.firstMs)} ms the first on an engine (13 modules metered), ${int(t.load.secondMs)} ms for a different hook after it (QuickJS module cached)`,
    formatTable(
      ["path", "p50 µs", "p99 µs", "mean µs", "samples"],
      [
        [
          "TS hook, inline (engine.invokeInline)",
          micros(t.inline.p50Us),
          micros(t.inline.p99Us),
          micros(t.inline.meanUs),
          int(t.inline.samples),
        ],
        [
          `TS hook, worker pool of ${t.pool.poolSize} (engine.invoke, ${t.pool.concurrency} in flight)`,
          micros(t.pool.p50Us),
          micros(t.pool.p99Us),
          micros(t.pool.meanUs),
          int(t.pool.samples),
        ],
        [
          `TS hook, worker pool of ${t.poolSerial.poolSize} (engine.invoke, 1 in flight)`,
          micros(t.poolSerial.p50Us),
          micros(t.poolSerial.p99Us),
          micros(t.poolSerial.meanUs),
          int(t.poolSerial.samples),
        ],
      ],
    ),
    `   TS inline / AS inline: ${fixed(t.ratioInlineToAsInline.p50, 1)}× at p50, ${fixed(t.ratioInlineToAsInline.mean, 1)}× on the mean;` +
      ` TS inline / plain JS: ${fixed(t.ratioInlineToPlainJs.p50, 1)}× at p50, ${fixed(t.ratioInlineToPlainJs.mean, 1)}× on the mean`,
    `   timing: each call timed alone (process.hrtime), timer overhead ${fixed(d.inline.timerOverheadUs * 1000, 0)} ns subtracted; pool round trips in an HDR histogram`,
  ].join("\n");
}

/** Section 2: metered against unmetered runs of the loop-heavy and the call-heavy guest. */
function formatFuelOverhead(f: EngineBenchResults["fuelOverhead"]): string {
  const loop = f.loopHeavy;
  const fib = f.callHeavy;
  return [
    `2. fuel overhead: the same module, meter "block" vs meter "none"; ${loop.runs} interleaved pairs after warm-up` +
      "\n   (ms: median run; ratio: median of the pairs' metered/unmetered; best-of: fastest/fastest; fuel per ms: fastest run)",
    formatTable(
      ["guest", "metered ms", "unmetered ms", "ratio", "best-of ratio", "fuel per run", "fuel per ms"],
      [
        [
          `loop-heavy (${int(loop.iterations)} iterations, ${fixed(loop.fuelPerIteration, 0)} fuel each)`,
          fixed(loop.meteredMs, 2),
          fixed(loop.unmeteredMs, 2),
          `${fixed(loop.ratio, 2)}×`,
          `${fixed(loop.bestRatio, 2)}×`,
          int(loop.fuelUsed),
          int(loop.fuelPerMs),
        ],
        [
          `call-heavy (fib(${fib.fibN}), recursive; for information)`,
          fixed(fib.meteredMs, 2),
          fixed(fib.unmeteredMs, 2),
          `${fixed(fib.ratio, 2)}×`,
          `${fixed(fib.bestRatio, 2)}×`,
          int(fib.fuelUsed),
          int(fib.fuelPerMs),
        ],
      ],
    ),
  ].join("\n");
}

/** Section 3: the deal rules under the cost model against meter "uniform". */
function formatCostModel(costModel: EngineBenchResults["costModel"]): string {
  return [
    '3. cost model: the deal rules under the cost model vs the metering before it (meter "uniform"), same process',
    formatTable(
      [
        "hook",
        "fuel uniform",
        "fuel weighted",
        "inline µs uniform",
        "inline µs weighted",
        "ratio",
        "pool µs uniform",
        "pool µs weighted",
        "ratio",
      ],
      costModel.map((c) => [
        c.hook,
        int(c.fuel.uniform),
        int(c.fuel.weighted),
        micros(c.inline.uniformUs),
        micros(c.inline.weightedUs),
        `${fixed(c.inline.ratio, 2)}×`,
        micros(c.pool.uniformUs),
        micros(c.pool.weightedUs),
        `${fixed(c.pool.ratio, 2)}×`,
      ]),
    ),
  ].join("\n");
}

/** The note under the cost table: fuel per ms of the two guests, and where FUEL_PER_CPU_MILLI comes from. */
function formatFuelPerMs(r: EngineBenchResults): string {
  return (
    `   (for information: the loop-heavy guest runs ${int(r.calibration.fuelPerMs)} fuel per ms (fastest run; ${int(r.calibration.fuelPerMsMedian)} median),` +
    ` call-heavy code ${int(r.fuelOverhead.callHeavy.fuelPerMs)}; FUEL_PER_CPU_MILLI is ${int(r.calibration.currentFuelPerCpuMilli)}, set from the cost table above, not from one guest)`
  );
}
