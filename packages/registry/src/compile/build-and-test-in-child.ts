import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ExtensionError } from "@ameide-ext/contract";
import { createNodeToolkitDeps, type TestHookResult, testHook } from "@ameide-ext/toolkit";
import type { TestResultRecord } from "../domain/types.js";
import type { CompileChildMessage } from "./compile-child-message.js";

/**
 * What the compile child does: the toolkit's `testHook` (what `ameide-ext test` runs) on the hook in `dir` (build
 * with the pinned toolchain, the contract check, every fixture under the
 * manifest's limits), as one message for the registry. Runs in the child
 * process only: everything it reads is in `dir`, and its environment is empty.
 */
export async function buildAndTestInChild(dir: string): Promise<CompileChildMessage> {
  const deps = createNodeToolkitDeps(dir);
  let result: TestHookResult;
  try {
    // rebuild: a dist/ in the upload (a module with a stamp saying "built from these sources") is forged.
    result = await testHook({ dir, rebuild: true }, deps);
  } catch (cause) {
    return { t: "refused", error: ExtensionError.from(cause).toJSON() };
  }
  const tests: TestResultRecord[] = [];
  for (const c of result.cases)
    tests.push({
      name: c.name,
      passed: c.ok,
      message: c.failures.join("; "),
      inputJson: await fixtureInput(join(dir, c.file)),
      outputJson:
        c.output === null || c.output === undefined
          ? JSON.stringify(c.error ?? null)
          : JSON.stringify(c.output),
      durationUs: c.stats.durationUs,
      maxLimitRatio: Math.max(0, ...c.usage.map((u) => u.ratio)),
    });
  return {
    t: "built",
    ok: result.ok,
    warnings: result.build.warnings.map(({ file, line, column, code, message }) => ({
      file,
      line,
      column,
      code,
      message,
    })),
    sha256: result.build.sha256,
    componentBase64: (await readFile(result.build.wasm)).toString("base64"),
    tests,
  };
}

/** A fixture's `input`, as JSON text, so reviewers see what each case ran. */
async function fixtureInput(file: string): Promise<string> {
  try {
    const fixture = JSON.parse(await readFile(file, "utf8")) as { input?: unknown };
    return JSON.stringify(fixture.input ?? null);
  } catch {
    return "";
  }
}
