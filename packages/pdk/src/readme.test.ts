import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAssemblyScript } from "./hook-build/build-assemblyscript.js";
import { runCore } from "./testing/core-test-host.js";
import { type HookFolder, writeHookFolder } from "./testing/hook-fixtures.js";

const README = readFileSync(new URL("../README.md", import.meta.url), "utf8");

/** The code block that follows `<!-- readme-example: name -->` in the README. */
function example(name: string): string {
  const match = new RegExp(`<!-- readme-example: ${name} -->\\n\`\`\`ts\\n([\\s\\S]*?)\`\`\``).exec(README);
  if (match?.[1] === undefined) throw new Error(`README has no example ${name}`);
  return match[1];
}

describe("README", () => {
  let folder: HookFolder;
  let core: Uint8Array;

  beforeAll(async () => {
    folder = writeHookFolder({ "src/index.ts": example("deal-approval") });
    core = (await buildAssemblyScript({ entry: folder.entry })).core;
  });
  afterAll(() => folder.remove());

  it("deal-approval example routes big low-margin deals to an extra approval", () => {
    const run = runCore(core, '{"id":"D-7","amount":75000,"margin":0.12}');
    expect(run.result).toEqual({ ok: '{"route":"extra_approval","approvers":["finance"],"margin":0.12}' });
    expect(run.logs).toEqual([{ level: "info", message: "deal D-7 needs an extra approval" }]);
  });

  it("deal-approval example routes other deals the standard way", () => {
    expect(runCore(core, '{"amount":75000,"margin":0.3}').result).toEqual({ ok: '{"route":"standard"}' });
    expect(runCore(core, '{"amount":1000,"margin":0.01}').result).toEqual({ ok: '{"route":"standard"}' });
  });

  it("deal-approval example refuses a non-positive amount with a business error", () => {
    expect(runCore(core, '{"amount":-1}').result).toEqual({
      err: '{"code":"INVALID_AMOUNT","message":"amount must be positive"}',
    });
  });
});
