// Each parity hook built with the real toolchain and its fixtures run with the production limits: what
// `npx ameide-ext test` runs in the hook's folder.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { createNodeToolkitDeps, testHook } from "@ameide-ext/toolkit";
import { describe, expect, it } from "vitest";
import { PARITY_HOOKS, type ParityHookId } from "./parity-hooks.js";

const ids = Object.keys(PARITY_HOOKS) as ParityHookId[];

describe("the parity hooks' fixtures (ameide-ext test)", () => {
  it.each(ids)(
    "%s passes every fixture",
    async (id) => {
      const result = await testHook({ dir: PARITY_HOOKS[id] }, createNodeToolkitDeps(PARITY_HOOKS[id]));
      const failed = result.cases
        .filter((c) => !c.ok)
        .map((c) => ({ name: c.name, failures: c.failures, diff: c.diff }));
      expect(failed).toEqual([]);
      expect(result.manifest.id).toBe(id);
      expect(result.passed).toBeGreaterThanOrEqual(3);
    },
    180_000,
  );
});

describe("the pricing BAdI's twins", () => {
  const fixtures = async (id: ParityHookId) => {
    const dir = join(PARITY_HOOKS[id], "tests");
    const names = (await readdir(dir)).sort();
    return Promise.all(names.map(async (name) => [name, await readFile(join(dir, name), "utf8")]));
  };

  it("the TypeScript twin runs the AssemblyScript one's fixtures, file for file: one rule, two languages", async () => {
    expect(await fixtures("pricing-badi-ts")).toEqual(await fixtures("pricing-badi"));
  });
});
