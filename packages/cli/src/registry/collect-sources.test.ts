// Red team: `ameide-ext promote`, run by a person on a hook folder an agent wrote, collected what it uploads by
// following symlinks: a src/settings.json linked to the person's ~/.ameide-dev/tokens.json went to the
// registry as a source file (and a TypeScript hook can import it). A link that leads out of the hook folder
// is now refused, naming the link; one that stays inside is uploaded as before.
import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import {
  collectSources,
  MAX_COLLECTED_BYTES,
  MAX_COLLECTED_FILES,
  MAX_WALKED_ENTRIES,
} from "./collect-sources.js";

describe("collectSources() and symlinks", () => {
  const made: string[] = [];
  let work: string;
  let hook: string;
  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-collect-links-"));
    made.push(work);
    hook = join(work, "hook");
    await mkdir(join(work, "home", ".ameide-dev"), { recursive: true });
    await writeFile(join(work, "home", ".ameide-dev", "tokens.json"), '{"user:alice":"REVIEWER-TOKEN"}');
    await mkdir(join(hook, "src"), { recursive: true });
    await writeFile(join(hook, "extension.json"), "{}");
    await writeFile(join(hook, "src", "index.ts"), "export const x = 1;\n");
  });
  afterAll(() => Promise.all(made.map((w) => rm(w, { recursive: true, force: true }))));

  const collected = async () =>
    (await collectSources(hook)).map((f) => `${f.path}=${Buffer.from(f.content).toString()}`);

  it("refuses a file linked out of the hook folder by the rule hook_folder, naming the link", async () => {
    const link = join(hook, "src", "settings.json");
    await symlink(join(work, "home", ".ameide-dev", "tokens.json"), link);
    const failed = await collectSources(hook).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string; details: Record<string, unknown> },
    );
    expect(failed).toMatchObject({ code: "permission_denied", details: { rule: "hook_folder", link } });
    expect(failed?.message).toContain(`${link} is a symlink`);
    expect(JSON.stringify(failed)).not.toContain("REVIEWER-TOKEN");
  });

  it("refuses a folder linked out of the hook folder, and a link to nowhere", async () => {
    await symlink(join(work, "home", ".ameide-dev"), join(hook, "src", "cfg"));
    await expect(collectSources(hook)).rejects.toMatchObject({
      code: "permission_denied",
      details: { rule: "hook_folder", link: join(hook, "src", "cfg") },
    });
    await rm(join(hook, "src", "cfg"));
    await symlink(join(work, "gone.json"), join(hook, "src", "gone.json"));
    await expect(collectSources(hook)).rejects.toMatchObject({
      details: { rule: "hook_folder", link: join(hook, "src", "gone.json") },
    });
  });

  it("uploads what a link inside the hook folder points at, as before", async () => {
    await symlink(join(hook, "src", "index.ts"), join(hook, "src", "alias.ts"));
    await symlink(join(hook, "src"), join(hook, "lib"));
    expect(await collected()).toEqual([
      "extension.json={}",
      "lib/alias.ts=export const x = 1;\n",
      "lib/index.ts=export const x = 1;\n",
      "src/alias.ts=export const x = 1;\n",
      "src/index.ts=export const x = 1;\n",
    ]);
  });

  it("refuses, quickly, a chain of links to sibling folders that multiplies the walk (invalid_argument, the limit named)", async () => {
    // Red team: 6 folders, each with 10 links to the next: 10^6 paths to one file. The walk (and the files it
    // collected) grew as 10^k and a hostile hook folder hung `ameide-ext promote`.
    for (let k = 0; k < 6; k++) await mkdir(join(hook, `f${k}`));
    await writeFile(join(hook, "f5", "leaf.ts"), "x\n");
    for (let k = 0; k < 5; k++)
      for (let i = 0; i < 10; i++) await symlink(join(hook, `f${k + 1}`), join(hook, `f${k}`, `l${i}`));
    const started = performance.now();
    const failed = await collectSources(hook).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string; details: Record<string, unknown> },
    );
    expect(failed).toMatchObject({
      code: "invalid_argument",
      details: { field: "dir", limit: MAX_WALKED_ENTRIES },
    });
    expect(failed?.message).toContain(`${MAX_WALKED_ENTRIES}`);
    // Bounded: a few seconds on a loaded machine, where the whole walk took hours.
    expect(performance.now() - started).toBeLessThan(20_000);
  }, 30_000);

  it("refuses more files than the registry takes, saying how many and the limit", async () => {
    await mkdir(join(hook, "many"));
    const n = MAX_COLLECTED_FILES + 5;
    for (let i = 0; i < n - 2; i++) await writeFile(join(hook, "many", `f${i}.ts`), "");
    await expect(collectSources(hook)).rejects.toMatchObject({
      code: "invalid_argument",
      message: expect.stringContaining(`${n} files`),
      details: { field: "dir", limit: MAX_COLLECTED_FILES, actual: n },
    });
  });

  it("refuses files that come to more bytes than one upload carries, before it reads the one past the limit", async () => {
    // Sparse: the size is there, the disk is not used; it is refused from its size, never read.
    await writeFile(join(hook, "src", "big.bin"), "");
    await truncate(join(hook, "src", "big.bin"), MAX_COLLECTED_BYTES + 1);
    const failed = await collectSources(hook).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string; details: Record<string, unknown> },
    );
    expect(failed).toMatchObject({ code: "invalid_argument", details: { limit: MAX_COLLECTED_BYTES } });
    expect(failed?.message).toContain(`${MAX_COLLECTED_BYTES}`);
  });
});
