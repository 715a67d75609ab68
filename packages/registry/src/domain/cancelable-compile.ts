import { ExtensionError } from "@ameide-ext/contract";
import type { CompileOutcome, Compiler } from "./registry.js";
import type { RevisionRecord } from "./types.js";

/** The diagnostic reason of a compile cut short because the registry shut down. */
export const COMPILE_CANCELLED_REASON = "shutting_down";

/** A failed compile with one `build` diagnostic. */
export function failedCompile(reason: string, message: string, at: string): CompileOutcome {
  return {
    record: {
      status: "failed",
      toolchain: "",
      diagnostics: [{ step: "build", severity: "error", reason, path: "", line: 0, column: 0, message }],
      tests: [],
      moduleBytes: 0,
      startedAt: at,
      finishedAt: at,
    },
  };
}

/**
 * Runs the compiler, unless `signal` aborts first: then it resolves at once with a failed compile
 * (reason {@link COMPILE_CANCELLED_REASON}) and leaves the compiler to stop on the signal, so a
 * shutdown never waits for a compile. A compiler that throws gives a failed compile with its reason.
 */
export async function compileUnlessAborted(
  compiler: Compiler,
  rev: RevisionRecord,
  signal: AbortSignal,
  now: () => Date,
  onError: (error: ExtensionError) => void,
): Promise<CompileOutcome> {
  const cancelled = () =>
    failedCompile(
      COMPILE_CANCELLED_REASON,
      "the registry shut down before the compile finished: request the compile again",
      now().toISOString(),
    );
  if (signal.aborted) return cancelled();
  let onAbort = () => {};
  const aborted = new Promise<CompileOutcome>((resolve) => {
    onAbort = () => resolve(cancelled());
    signal.addEventListener("abort", onAbort, { once: true });
  });
  const compiled = compiler(rev, signal).catch((cause: unknown) => {
    const e = ExtensionError.from(cause);
    onError(e);
    return failedCompile(e.reason ?? "", e.message, now().toISOString());
  });
  try {
    return await Promise.race([compiled, aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** Resolves true when `p` settles within `ms`, false when the time runs out first. */
export function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void p.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}
