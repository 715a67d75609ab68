import { ExtensionError, FUEL_PER_CPU_MILLI } from "@ameide-ext/contract";
import { displayPath } from "../hook-build/hook-layout.js";
import { type BuiltComponent, prepareHook, resolveHookDir } from "../hook-build/prepare-hook.js";
import type { EventSink } from "../hook-events.js";
import { FIXTURES_DIR } from "../hook-fixtures/fixture-schema.js";
import { type LoadedFixture, loadFixtures } from "../hook-fixtures/load-fixtures.js";
import type { HookManifest } from "../hook-manifest/manifest-schema.js";
import { createGuestStackMapper } from "../hook-run/guest-stack.js";
import { type ErrorSummary, type InvocationReport, invokeHook } from "../hook-run/invoke-hook.js";
import { limitUsage } from "../hook-run/limit-usage.js";
import { formatJson } from "../json/format-json.js";
import type { ToolkitDeps } from "../toolkit-deps.js";
import { type CaseVerdict, judgeCase } from "./judge-case.js";

/** Options of {@link testHook}. */
export interface TestHookOptions {
  /** The hook's folder, absolute or relative to `deps.cwd`. Default: the working directory. */
  dir?: string;
  /** Runs only the cases whose name or file name contains this text (case-insensitive). */
  filter?: string;
  /** Writes each case's actual result into its fixture as `expected` (or `expectError` for a business error). */
  update?: boolean;
  /** Progress events, one `case-done` per case. */
  onEvent?: EventSink;
  /**
   * Compile even when dist/ holds a build stamped as fresh. Default false. The registry sets it:
   * an upload's dist/ is the uploader's to forge, and the module must come from the sources.
   */
  rebuild?: boolean;
}

/** One case's result. */
export interface CaseResult extends Omit<InvocationReport, "unexpectedHostCalls" | "unusedHostCalls"> {
  /** The fixture's `name`. */
  name: string;
  /** The fixture file, relative to the working directory. */
  file: string;
  /** True when it passed (or `--update` fixed it). */
  ok: boolean;
  /** passed, failed, or updated (`--update` rewrote its expectation). */
  status: "passed" | "failed" | "updated";
  /** Why it failed; empty when it passed. */
  failures: string[];
  /** Limits at 80% or more, and other things worth a look. */
  warnings: string[];
  /** Expected vs received, when the output differs. */
  diff?: string;
}

/** The results of a hook's tests. */
export interface TestHookResult {
  /** True when no case failed. */
  ok: boolean;
  /** Absolute path of the hook's folder. */
  dir: string;
  /** The manifest. */
  manifest: HookManifest;
  /** The component the cases ran against. */
  build: BuiltComponent;
  /** Cases that passed (updated ones included). */
  passed: number;
  /** Cases that failed. */
  failed: number;
  /** Fixture files `--update` rewrote, relative to the working directory. */
  updated: string[];
  /** Every case, in file-name order. */
  cases: CaseResult[];
}

/**
 * `ameide-ext test`: builds the hook when dist/ is missing or stale, then
 * runs every `tests/*.json` fixture against the runtime engine with the
 * manifest's limits, risk tier and host-call allowlist, and judges each
 * (see docs/cli.md, "Fixtures"). Throws `invalid_argument/invalid_input`
 * naming the file and field when a fixture file is bad, `invalid_argument`
 * when `filter` matches no case, and what {@link buildHook} throws.
 */
export async function testHook(options: TestHookOptions, deps: ToolkitDeps): Promise<TestHookResult> {
  const dir = resolveHookDir(options.dir, deps.cwd);
  const emit = options.onEvent ?? (() => {});
  const show = (file: string) => displayPath(deps.cwd, file);
  // Bad fixture files are the author's to fix first: report them before spending a compile.
  let fixtures = await loadFixtures(dir, deps.fs, show);
  if (options.filter !== undefined) {
    const needle = options.filter.toLowerCase();
    const all = fixtures.length;
    fixtures = fixtures.filter(
      (f) => f.fixture.name.toLowerCase().includes(needle) || f.displayFile.toLowerCase().includes(needle),
    );
    if (fixtures.length === 0) {
      throw new ExtensionError(
        "invalid_argument",
        `no case matches --filter ${JSON.stringify(options.filter)} (${all} in ${show(dir)}/${FIXTURES_DIR})`,
      );
    }
  }
  const prepared = await prepareHook({ dir, rebuild: options.rebuild ?? false, optimize: true }, deps, emit);
  try {
    emit({ type: "cases", names: fixtures.map((f) => f.fixture.name) });
    const cases: CaseResult[] = [];
    const updated: string[] = [];
    const stacks = createGuestStackMapper(prepared.layout, prepared.loaded.manifest.lang, deps.fs);
    for (const [index, loadedFixture] of fixtures.entries()) {
      const report = await stacks.map(invokeSafely(prepared, loadedFixture));
      const verdict = judgeCase(loadedFixture.fixture, report, prepared.loaded);
      let status: CaseResult["status"] = verdict.failures.length === 0 ? "passed" : "failed";
      let failures = verdict.failures;
      const { fixture } = loadedFixture;
      const unexpecting = fixture.expected === undefined && fixture.expectError === undefined;
      const fixable = failures.some((f) => f.updatable);
      if (options.update && verdict.update !== undefined && (fixable || unexpecting)) {
        await writeUpdate(loadedFixture, verdict.update, deps);
        updated.push(loadedFixture.displayFile);
        failures = failures.filter((f) => !f.updatable);
        status = failures.length === 0 ? "updated" : "failed";
      }
      const { unexpectedHostCalls: _u, unusedHostCalls: _n, ...rest } = report;
      const result: CaseResult = {
        ...rest,
        name: loadedFixture.fixture.name,
        file: loadedFixture.displayFile,
        ok: status !== "failed",
        status,
        failures: failures.map((f) => f.message),
        warnings: verdict.warnings,
      };
      if (verdict.diff !== undefined && status === "failed") result.diff = verdict.diff;
      cases.push(result);
      emit({ type: "case-done", index, result });
      // Let the interactive view draw the row before the next case runs (invocations are synchronous).
      await new Promise((resolve) => setImmediate(resolve));
    }
    const failed = cases.filter((c) => !c.ok).length;
    return {
      ok: failed === 0,
      dir,
      manifest: prepared.loaded.manifest,
      build: prepared.build,
      passed: cases.length - failed,
      failed,
      updated,
      cases,
    };
  } finally {
    await prepared.engine.close();
  }
}

/** Runs one case; a request the engine refuses (e.g. an input over 256 KiB) becomes that case's technical error. */
function invokeSafely(prepared: Parameters<typeof invokeHook>[0], f: LoadedFixture): InvocationReport {
  const { fixture } = f;
  try {
    return invokeHook(prepared, {
      input: fixture.input,
      ctx: fixture.ctx,
      hostCalls: fixture.hostCalls,
      hint: `add an answer to hostCalls in ${f.displayFile}`,
    });
  } catch (cause) {
    const e = ExtensionError.from(cause);
    const error: ErrorSummary = { code: e.code, reason: e.reason ?? null, message: e.message };
    const limits = prepared.ext.limits;
    const stats = {
      fuelUsed: 0,
      fuelLimit: limits.cpuMillis * FUEL_PER_CPU_MILLI,
      peakMemoryBytes: 0,
      memoryLimitBytes: limits.memoryMb * 1024 * 1024,
      durationUs: 0,
      timeoutMs: limits.timeoutMs,
      outputBytes: 0,
      outputLimitBytes: prepared.engine.sizeLimits.outputBytes,
      hostCalls: 0,
      hostCallsLimit: 0,
    };
    return {
      outcome: "technical_error",
      output: null,
      error,
      stats,
      usage: limitUsage(stats),
      logs: [],
      unexpectedHostCalls: [],
      unusedHostCalls: [],
    };
  }
}

/** Rewrites the fixture with the new expectation in place of the old one, keeping its other fields and their order. */
async function writeUpdate(f: LoadedFixture, update: NonNullable<CaseVerdict["update"]>, deps: ToolkitDeps) {
  const [key, value] = Object.entries(update)[0] as [string, unknown];
  const out: Record<string, unknown> = {};
  let placed = false;
  for (const [k, v] of Object.entries(f.raw)) {
    if (k === "expected" || k === "expectError") {
      if (!placed) out[key] = value;
      placed = true;
    } else {
      out[k] = v;
    }
  }
  if (!placed) out[key] = value;
  await deps.fs.writeFile(f.file, formatJson(out));
}
