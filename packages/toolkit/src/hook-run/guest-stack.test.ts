import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { SourceMap, type SourceMapPayload } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildHook } from "../hook-build/build-hook.js";
import { testHook } from "../hook-test/test-hook.js";
import { createNodeToolkitDeps } from "../toolkit-deps.js";
import { MAX_MAPPED_FRAMES, mapStack } from "./guest-stack.js";
import { runHook } from "./run-hook.js";

const TEMPLATE = new URL("../../../../templates/typescript/process_hook/", import.meta.url);
const THROW = '  if (deal.amount === 13) throw new TypeError("unlucky amount");';

// Issue #14: a TypeScript hook's thrown error showed `/hook.js:2286:35`; run and test map it to src/index.ts.
describe("the stack of a TypeScript hook's uncaught exception", () => {
  let dir: string;
  let throwLine: number;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-toolkit-stack-"));
    await cp(TEMPLATE, dir, { recursive: true });
    const entry = join(dir, "src", "index.ts");
    const lines = (await readFile(entry, "utf8")).split("\n");
    const at = lines.findIndex((l) => l.includes("const deal = readDeal(input);")) + 1;
    lines.splice(at, 0, THROW);
    throwLine = at + 1;
    await writeFile(entry, lines.join("\n"));
    await writeFile(
      join(dir, "tests", "unlucky.json"),
      JSON.stringify({
        name: "unlucky",
        input: { amount: 13, marginPct: 5 },
        expectError: { code: "internal", reason: "guest_exception" },
      }),
    );
    await buildHook({}, createNodeToolkitDeps(dir));
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const unlucky = { amount: 13, marginPct: 5 };

  it("is mapped to src/index.ts in run's log line and error message, the build's wrapper left out", async () => {
    const r = await runHook({ input: unlucky }, createNodeToolkitDeps(dir));
    expect(r.error).toMatchObject({ code: "internal", reason: "guest_exception" });
    expect(r.error?.message).toMatch(
      new RegExp(`TypeError: unlucky amount at src/index\\.ts:${throwLine}:\\d+ `),
    );
    const [log] = r.logs;
    expect(log?.level).toBe("error");
    expect(log?.message).toMatch(
      new RegExp(
        `^unhandled exception: TypeError: unlucky amount\n    at run \\(src/index\\.ts:${throwLine}:\\d+\\)`,
      ),
    );
    expect(log?.message).not.toMatch(/\.js:\d+:\d+|__runHook|__ameide_hook_entry__/);
  }, 120_000);

  it("is mapped in test's cases too, from the map dist/ keeps beside a cached build", async () => {
    const t = await testHook({ filter: "unlucky" }, createNodeToolkitDeps(dir));
    expect(t.build.cached).toBe(true);
    expect(t.cases[0]?.status).toBe("passed");
    expect(t.cases[0]?.logs[0]?.message).toContain(`at run (src/index.ts:${throwLine}:`);
  }, 120_000);

  it.each([
    ["has no map", undefined],
    ["has a map that is not JSON", "{ not a map"],
    ["has a map of another shape", JSON.stringify({ version: 3, sources: 7, mappings: ["x"] })],
  ])(
    "stays as QuickJS wrote it when dist/ %s, and run still reports the exception",
    async (_name, text) => {
      const file = join(dir, "dist", "deal-approval.js.map");
      const map = await readFile(file, "utf8");
      await rm(file);
      if (text !== undefined) await writeFile(file, text);
      try {
        const r = await runHook({ input: unlucky }, createNodeToolkitDeps(dir));
        expect(r.error).toMatchObject({ code: "internal", reason: "guest_exception" });
        expect(r.logs[0]?.message).toMatch(/\.js:\d+:\d+\)/);
      } finally {
        await writeFile(file, map);
      }
    },
    120_000,
  );

  it("keeps frames the map cannot place, and maps at most MAX_MAPPED_FRAMES", async () => {
    const payload = JSON.parse(await readFile(join(dir, "dist", "deal-approval.js.map"), "utf8"));
    const map = new SourceMap(payload as SourceMapPayload);
    const far = "    at f (/hook.js:999999:1)";
    expect(mapStack(`Error: x\n${far}`, map, new Set()).text).toBe(`Error: x\n${far}`);
    // A line of the bundle the map places (esbuild's own helpers at its top are in no source).
    let mapped0 = 0;
    while ((map.findEntry(mapped0, 200) as { generatedLine?: number }).generatedLine !== mapped0) mapped0++;
    const bundleLine = `    at g (/hook.js:${mapped0 + 1}:201)`;
    const many = Array.from({ length: MAX_MAPPED_FRAMES + 5 }, () => bundleLine).join("\n");
    const mapped = mapStack(many, map, new Set()).text.split("\n");
    expect(mapped.filter((l) => l === bundleLine)).toHaveLength(5);
  }, 120_000);
});
