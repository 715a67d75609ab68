// Review: two `dev`s started at once on a first run. The loser of the race to make ~/.ameide-ext/dev-key
// found it made but not yet written and failed "does not hold a key as dev writes it… remove it", advice
// that, followed, broke the other's stack. Each file dev creates is written slowly here, so the window is wide.
import { constants } from "node:fs";
import type * as FsPromises from "node:fs/promises";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadDevKey } from "./dev-stack-seal.js";

vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof FsPromises>();
  const open: typeof real.open = async (...args) => {
    const handle = await real.open(...args);
    const flags = args[1];
    if (typeof flags === "number" && (flags & constants.O_CREAT) !== 0) {
      const write = handle.writeFile.bind(handle);
      handle.writeFile = async (...what: Parameters<typeof write>) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return write(...what);
      };
    }
    return handle;
  };
  return { ...real, open };
});

describe("loadDevKey() on a first run", () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-dev-key-race-"));
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("gives every dev started at once the same key, and fails none", async () => {
    for (let round = 0; round < 3; round++) {
      const home = join(work, `home-${round}`);
      await mkdir(home);
      const tries = await Promise.allSettled(Array.from({ length: 8 }, () => loadDevKey(home)));
      const failed = tries.flatMap((t) => (t.status === "rejected" ? [String(t.reason)] : []));
      expect(failed).toEqual([]);
      const keys = tries.flatMap((t) => (t.status === "fulfilled" ? [t.value] : []));
      const first = keys[0] as Buffer;
      for (const key of keys) {
        expect(key.length).toBe(32);
        expect(key.equals(first)).toBe(true);
      }
      const folder = join(home, ".ameide-ext");
      expect(await readdir(folder)).toEqual(["dev-key"]); // no temporary file left behind
      expect((await readFile(join(folder, "dev-key"), "utf8")).trim()).toBe(first.toString("hex"));
      await expect(loadDevKey(home)).resolves.toEqual(first);
    }
  });
});
