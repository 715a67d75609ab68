import type { CompileOutcome } from "../domain/registry.js";

/**
 * A compiler for domain tests that always succeeds without compiling: a 10-byte module whose
 * sha256 is all `a`s, no diagnostics, and the fixture results given (none by default).
 */
export async function succeededCompile(
  tests: CompileOutcome["record"]["tests"] = [],
): Promise<CompileOutcome> {
  return {
    record: {
      status: "succeeded",
      toolchain: "fake",
      diagnostics: [],
      tests,
      moduleBytes: 10,
      startedAt: "2026-01-01T00:00:00.000Z",
    },
    wasmBlobRef: `m.wasm#sha256=${"a".repeat(64)}`,
    sha256: "a".repeat(64),
  };
}
