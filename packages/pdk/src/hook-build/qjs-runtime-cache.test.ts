// Red team (#14): the patched QuickJS runtime kept in the temp folder was used as found: a cache file that was
// truncated, corrupted or replaced went into every TypeScript build. It is now checked before use (a regular
// file whose sha256 is the one its name records) and made again when it is not.
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { privateScratchDir } from "./private-scratch.js";

async function freshRuntime(): Promise<Uint8Array | undefined> {
  vi.resetModules();
  const { deterministicQjsRuntime } = await import("./deterministic-qjs-runtime.js");
  return deterministicQjsRuntime();
}

describe("the cached patched QuickJS runtime", () => {
  // A temp folder of this test's own: the real cache is shared by every build of this user.
  const saved = process.env.TMPDIR;
  let own: string;
  beforeAll(async () => {
    own = await mkdtemp(path.join(tmpdir(), "ameide-qjs-cache-test-"));
    process.env.TMPDIR = own;
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    await rm(own, { recursive: true, force: true });
  });

  it("is not used when its bytes were replaced: the runtime is patched again", async () => {
    const first = await freshRuntime();
    expect(first?.byteLength).toBeGreaterThan(100_000);
    const dir = await privateScratchDir("ameide-ext-qjs-runtime");
    expect(dir.startsWith(own)).toBe(true);
    const cached = (await readdir(dir)).filter((f) => f.endsWith(".wasm"));
    expect(cached.length).toBeGreaterThan(0);
    const evil = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    for (const f of cached) await writeFile(path.join(dir, f), evil);
    const again = await freshRuntime();
    expect(again?.byteLength).toBe(first?.byteLength);
    expect(Buffer.from(again ?? []).equals(Buffer.from(first ?? []))).toBe(true);
  }, 120_000);
});
