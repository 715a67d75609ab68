import { chmod, mkdir, mkdtemp, rm, stat, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { privateScratchDir } from "./private-scratch.js";

describe("privateScratchDir()", () => {
  let base = "";
  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), "scratch-test-"));
  });
  afterEach(() => rm(base, { recursive: true, force: true }));
  const uid = process.getuid?.() ?? 0;

  it("makes a folder only its user can read, named for the user", async () => {
    const dir = await privateScratchDir("ameide-ext-ts", base);
    expect(dir).toBe(path.join(base, `ameide-ext-ts-${uid}`));
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect(await privateScratchDir("ameide-ext-ts", base)).toBe(dir);
  });

  it("refuses a folder found open to others", async () => {
    const dir = path.join(base, `ameide-ext-ts-${uid}`);
    await mkdir(dir);
    await chmod(dir, 0o755);
    await expect(privateScratchDir("ameide-ext-ts", base)).rejects.toThrow(/this user's alone/);
  });

  it("refuses a symlink planted at its path", async () => {
    await symlink("/etc", path.join(base, `ameide-ext-ts-${uid}`));
    await expect(privateScratchDir("ameide-ext-ts", base)).rejects.toThrow(/this user's alone/);
  });
});
