// Security review: a stack folder planted in the workspace (a cloned repository's `.ameide-dev`, an agent's)
// brought a registry.db that pre-seeds approved versions, and links where dev or its services write.
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimStackFolder } from "./dev-stack-seal.js";
import { makeOwnerOnlyFolder } from "./owner-only-files.js";

describe("claimStackFolder()", () => {
  let work: string;
  let home: string;
  let n = 0;
  const fresh = async () => {
    const dir = join(work, `stack-${n++}`);
    await makeOwnerOnlyFolder(dir);
    return dir;
  };
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-dev-seal-"));
    home = join(work, "home");
    await mkdir(home);
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("claims a new folder, and takes it again on the next start", async () => {
    const dir = await fresh();
    await claimStackFolder(dir, { home });
    await writeFile(join(dir, "registry.db"), "db");
    await mkdir(join(dir, "modules"));
    await writeFile(join(dir, "modules", "m.wasm"), "wasm");
    await expect(claimStackFolder(dir, { home })).resolves.toBeUndefined();
  });

  it.each([
    ["a registry.db", async (dir: string) => writeFile(join(dir, "registry.db"), "planted")],
    [
      "modules",
      async (dir: string) => {
        await mkdir(join(dir, "modules"));
        await writeFile(join(dir, "modules", "m.wasm"), "planted");
      },
    ],
  ])(
    "refuses a folder dev did not make that holds %s (failed_precondition, naming --dir)",
    async (_w, plant) => {
      const dir = await fresh();
      await plant(dir);
      await expect(claimStackFolder(dir, { home })).rejects.toMatchObject({
        code: "failed_precondition",
        message: expect.stringContaining("--dir"),
      });
    },
  );

  it("refuses a folder sealed with another key", async () => {
    const dir = await fresh();
    const theirs = join(work, `their-home-${n++}`);
    await mkdir(theirs);
    await claimStackFolder(dir, { home: theirs });
    await writeFile(join(dir, "registry.db"), "planted");
    await expect(claimStackFolder(dir, { home })).rejects.toMatchObject({ code: "failed_precondition" });
  });

  it.each(["registry.db", "registry.db-wal", "registry.db-journal", "modules"])(
    "refuses a link planted at %s, even in its own folder",
    async (name) => {
      const dir = await fresh();
      await claimStackFolder(dir, { home });
      await mkdir(join(work, `target-${n}`));
      await symlink(join(work, `target-${n++}`), join(dir, name));
      await expect(claimStackFolder(dir, { home })).rejects.toMatchObject({ code: "failed_precondition" });
    },
  );
});
