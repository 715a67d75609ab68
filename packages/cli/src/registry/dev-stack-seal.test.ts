// Security review: a stack folder planted in the workspace (a cloned repository's `.ameide-dev`, an agent's)
// brought a registry.db that pre-seeds approved versions, and links where dev or its services write.
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimStackFolder, keyFolderProblem, loadDevKey } from "./dev-stack-seal.js";
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

describe("loadDevKey()", () => {
  let work: string;
  let n = 0;
  const freshHome = async () => {
    const home = join(work, `home-${n++}`);
    await mkdir(home);
    return home;
  };
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-dev-key-"));
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("says a key file left empty (by a dev that stopped while making it) is empty, and to remove it", async () => {
    const home = await freshHome();
    await mkdir(join(home, ".ameide-ext"), { mode: 0o700 });
    await writeFile(join(home, ".ameide-ext", "dev-key"), "", { mode: 0o600 });
    const failed = await loadDevKey(home).catch((e: unknown) => e as { code: string; message: string });
    expect(failed).toMatchObject({ code: "failed_precondition" });
    expect((failed as { message: string }).message).toContain("is empty");
    expect((failed as { message: string }).message).toContain("remove it");
  });

  // A ~/.ameide-ext that others may write (made under umask 002) or another user's (made under sudo) was
  // refused with "remove it (the key)", which does not help: the folder is what needs fixing.
  it("refuses a key folder others may write, naming the folder and `chmod 700` it", async () => {
    const home = await freshHome();
    const folder = join(home, ".ameide-ext");
    await mkdir(folder);
    await chmod(folder, 0o775);
    const failed = await loadDevKey(home).catch((e: unknown) => e as { code: string; message: string });
    expect(failed).toMatchObject({ code: "failed_precondition" });
    const message = (failed as { message: string }).message;
    expect(message).toContain(`chmod 700 ${folder}`);
    expect(message).toContain("775");
    expect(message).not.toContain("remove it");
    await chmod(folder, 0o700);
    expect((await loadDevKey(home)).length).toBe(32);
  });

  it("names the chown that fixes a key folder of another user (made under sudo), whoever runs the test", () => {
    // loadDevKey refuses with this problem (the 0775 case above goes through it); a real chown needs root.
    const folder = "/home/ann/.ameide-ext";
    const other = (process.getuid?.() ?? 0) + 4242;
    const problem = keyFolderProblem(folder, { isDirectory: () => true, uid: other, mode: 0o40700 });
    expect(problem?.why).toContain(`uid ${other}`);
    expect(problem?.fix).toBe(`run \`sudo chown -R ${process.getuid?.()} ${folder}\``);
    const shared = keyFolderProblem(folder, { isDirectory: () => true, uid: other, mode: 0o40775 });
    expect(shared?.fix).toContain(`&& chmod 700 ${folder}`);
    expect(
      keyFolderProblem(folder, { isDirectory: () => true, uid: other - 4242, mode: 0o40700 }),
    ).toBeUndefined();
  });
});
