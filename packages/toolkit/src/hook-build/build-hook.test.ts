import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isExtensionError } from "@ameide-ext/contract";
import { sha256Hex } from "@ameide-ext/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HookEvent } from "../hook-events.js";
import { createNodeToolkitDeps } from "../toolkit-deps.js";
import { buildHook } from "./build-hook.js";

const TEMPLATE = new URL("../../../../templates/assemblyscript/process_hook/", import.meta.url);

describe("buildHook()", () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-toolkit-build-"));
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  /** A copy of the AssemblyScript process_hook template in its own folder. */
  const hook = async (name: string) => {
    const dir = join(work, name);
    await cp(TEMPLATE, dir, { recursive: true });
    return dir;
  };

  it("compiles, has the runtime check the component, and writes dist/<id>.wasm", async () => {
    const dir = await hook("ok");
    const events: HookEvent["type"][] = [];
    const built = await buildHook(
      { optimize: false, onEvent: (e) => events.push(e.type) },
      createNodeToolkitDeps(dir),
    );
    const wasm = await readFile(built.wasm);
    expect(built.wasm).toBe(join(dir, "dist", "deal-approval.wasm"));
    expect(built.sha256).toBe(sha256Hex(wasm));
    expect(built.bytes).toBe(wasm.byteLength);
    expect(built.world).toBe("ameide:extension/extension@1.0.0");
    expect(events).toEqual(["manifest", "compile-start", "compile-done", "validate-done", "wasm-written"]);
  });

  it("refuses a component whose initialisation traps, as a load would, and writes no dist/<id>.wasm", async () => {
    const dir = await hook("trap");
    const entry = join(dir, "src", "index.ts");
    await writeFile(entry, `${await readFile(entry, "utf8")}\nunreachable();\n`);
    const error = await buildHook({ optimize: false }, createNodeToolkitDeps(dir)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isExtensionError(error)).toBe(true);
    expect(error).toMatchObject({
      code: "invalid_argument",
      reason: "invalid_module",
      details: { cause: "trap" },
    });
    await expect(readFile(join(dir, "dist", "deal-approval.wasm"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});
