// Red team (#14): run and test read dist/<id>.js.map whole before checking its size, so a map that is a FIFO
// (or /dev/zero behind a symlink) hung the invocation forever, and a huge one was read into memory first.
// Only a regular file of at most MAX_SOURCE_MAP_BYTES is read; anything else leaves the stack as QuickJS
// wrote it. A map naming sources outside the hook only names them: no source file is ever read.
import { execFileSync } from "node:child_process";
import { cp, mkdtemp, readFile, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildHook } from "../hook-build/build-hook.js";
import { createNodeToolkitDeps } from "../toolkit-deps.js";
import { MAX_SOURCE_MAP_BYTES } from "./guest-stack.js";
import { runHook } from "./run-hook.js";

const TEMPLATE = new URL("../../../../templates/typescript/process_hook/", import.meta.url);

describe("a hostile dist/<id>.js.map", () => {
  let dir: string;
  let map: string;
  let good: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-toolkit-hostile-map-"));
    await cp(TEMPLATE, dir, { recursive: true });
    const entry = join(dir, "src", "index.ts");
    const lines = (await readFile(entry, "utf8")).split("\n");
    const at = lines.findIndex((l) => l.includes("const deal = readDeal(input);")) + 1;
    lines.splice(at, 0, '  if (deal.amount === 13) throw new TypeError("unlucky amount");');
    await writeFile(entry, lines.join("\n"));
    const built = await buildHook({}, createNodeToolkitDeps(dir));
    map = `${built.wasm.slice(0, -".wasm".length)}.js.map`;
    good = await readFile(map, "utf8");
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const unlucky = () => runHook({ input: { amount: 13, marginPct: 5 } }, createNodeToolkitDeps(dir));

  it("a FIFO does not hang the run: the stack stays as QuickJS wrote it", async () => {
    await rm(map);
    execFileSync("mkfifo", [map]);
    const r = await unlucky();
    expect(r.error).toMatchObject({ code: "internal", reason: "guest_exception" });
    expect(r.logs.at(-1)?.message).toMatch(/\.js:\d+:\d+/);
  }, 30_000);

  it("a link to /dev/zero does not hang or fill memory", async () => {
    await rm(map);
    await symlink("/dev/zero", map);
    const r = await unlucky();
    expect(r.error).toMatchObject({ code: "internal", reason: "guest_exception" });
  }, 30_000);

  it("a map over MAX_SOURCE_MAP_BYTES is not read", async () => {
    await rm(map);
    await writeFile(map, good);
    await truncate(map, MAX_SOURCE_MAP_BYTES * 200);
    const r = await unlucky();
    expect(r.error).toMatchObject({ code: "internal", reason: "guest_exception" });
    expect(r.logs.at(-1)?.message).toMatch(/\.js:\d+:\d+/);
  }, 30_000);

  it("sources outside the hook are only named, never read", async () => {
    await rm(map);
    const doc = JSON.parse(good) as { sources: string[] };
    doc.sources = doc.sources.map((s) => (s.endsWith("src/index.ts") ? "/etc/passwd" : s));
    await writeFile(map, JSON.stringify(doc));
    const r = await unlucky();
    expect(r.error?.message).toContain("/etc/passwd:");
    expect(JSON.stringify(r)).not.toContain("root:");
  }, 30_000);
});
