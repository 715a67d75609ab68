import { isDeepStrictEqual } from "node:util";
import type { ExpectedError, HookFixture } from "../hook-fixtures/fixture-schema.js";
import type { LoadedManifest } from "../hook-manifest/load-manifest.js";
import type { ErrorSummary, InvocationReport } from "../hook-run/invoke-hook.js";
import { describeUsage } from "../hook-run/limit-usage.js";
import { diffJson } from "./diff-json.js";

/** Why a case failed; `updatable` failures go away when `--update` rewrites the expectation. */
export interface CaseFailure {
  /** What went wrong, as a sentence. */
  message: string;
  /** True when rewriting the fixture's expectation with the actual result fixes it. */
  updatable: boolean;
}

/** The verdict on one case. */
export interface CaseVerdict {
  /** Every reason the case fails; none means it passed. */
  failures: CaseFailure[];
  /** Limits at 80% or more, inputs off their schema, unused answers after an error. */
  warnings: string[];
  /** Expected vs received, when the output differs. */
  diff?: string;
  /** The expectation `--update` would write: `expected` (an output) or `expectError` (a business error). */
  update?: { expected: unknown } | { expectError: ExpectedError };
}

/** `business error INVALID_DEAL: …`, `resource_exhausted/fuel: …`. */
export function describeError(e: ErrorSummary): string {
  if (e.reason === "business_error") return `business error ${e.code}: ${e.message}`;
  return `${e.code}${e.reason ? `/${e.reason}` : ""}: ${e.message}`;
}

function describeExpected(e: ExpectedError): string {
  return e.reason ? `${e.code}/${e.reason}` : e.code;
}

/**
 * Judges one invocation against its fixture: the expected output (deep
 * equality) or error, the manifest's output schema, the host-call answers,
 * and the limits (a case fails at 100% of a limit, warns from 80%).
 */
export function judgeCase(fx: HookFixture, r: InvocationReport, loaded: LoadedManifest): CaseVerdict {
  const failures: CaseFailure[] = [];
  const warnings: string[] = [];
  let diff: string | undefined;
  let update: CaseVerdict["update"];
  const err = r.error;
  if (r.outcome === "ok") update = { expected: r.output };
  else if (err?.reason === "business_error") update = { expectError: { code: err.code } };

  let metExpectedError = false;
  if (fx.expectError !== undefined) {
    const want = fx.expectError;
    if (r.outcome === "ok" || err === null) {
      failures.push({
        message: `expected the error ${describeExpected(want)}, got an output: ${JSON.stringify(r.output)}`,
        updatable: true,
      });
    } else {
      metExpectedError =
        want.reason !== undefined
          ? r.outcome === "technical_error" && err.code === want.code && err.reason === want.reason
          : err.code === want.code;
      if (!metExpectedError) {
        failures.push({
          message: `expected the error ${describeExpected(want)}, got ${describeError(err)}`,
          updatable: update !== undefined,
        });
      }
    }
  } else if (r.outcome !== "ok" || err !== null) {
    const what = err ? describeError(err) : r.outcome;
    failures.push({
      message: `expected ${Object.hasOwn(fx, "expected") ? "the expected output" : "an output"}, got ${what}`,
      updatable: update !== undefined,
    });
  } else if (Object.hasOwn(fx, "expected") && !isDeepStrictEqual(r.output, fx.expected)) {
    failures.push({ message: "the output differs from expected", updatable: true });
    diff = diffJson(fx.expected, r.output);
  }

  if (r.outcome === "ok") {
    const off = loaded.checkOutput(r.output);
    if (off.length > 0) {
      failures.push({
        message: `the output does not match the manifest's output_schema: ${off.map((p) => `${p.field}: ${p.message}`).join("; ")}`,
        updatable: false,
      });
    }
  }
  // A case that expects an error often feeds a bad input on purpose.
  const inputOff = fx.expectError === undefined ? loaded.checkInput(fx.input) : [];
  if (inputOff.length > 0) {
    warnings.push(
      `the input does not match input_schema: ${inputOff.map((p) => `${p.field}: ${p.message}`).join("; ")}`,
    );
  }

  for (const m of r.unexpectedHostCalls) failures.push({ message: m, updatable: false });
  for (const m of r.unusedHostCalls) {
    // A case that ends in an error may stop before its calls; a successful one must make them all.
    if (r.outcome === "ok") failures.push({ message: m, updatable: false });
    else warnings.push(m);
  }

  for (const u of r.usage) {
    if (u.level === "over" && !metExpectedError && r.outcome !== "technical_error") {
      failures.push({ message: `${describeUsage(u)}: a case fails at 100% of a limit`, updatable: false });
    } else if (u.level === "warn") {
      warnings.push(describeUsage(u));
    }
  }
  const verdict: CaseVerdict = { failures, warnings };
  if (diff !== undefined) verdict.diff = diff;
  if (update !== undefined) verdict.update = update;
  return verdict;
}
