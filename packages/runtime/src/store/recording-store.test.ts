import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFileRecordingStore } from "./recording-store.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const KEY = (name: string) => `recordings/acme/x/1/${name}.json`;

describe("createFileRecordingStore", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "ameide-recording-store-"));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("writes each recording under its key, no temporary file left", async () => {
    const store = createFileRecordingStore({ root });
    await store.put(KEY("a"), bytes('{"a":1}'));
    await store.put(KEY("b"), bytes('{"b":1}'));
    expect(await readdir(join(root, "recordings/acme/x/1"))).toEqual(["a.json", "b.json"]);
    expect(new TextDecoder().decode(await store.get(KEY("b")))).toBe('{"b":1}');
  });

  it("makes its folder again when it was removed after an earlier write made it", async () => {
    const store = createFileRecordingStore({ root });
    await store.put(KEY("a"), bytes("{}"));
    await rm(join(root, "recordings"), { recursive: true });
    await store.put(KEY("b"), bytes("{}"));
    expect(await store.list("recordings/", { limit: 10 })).toEqual([KEY("b")]);
  });

  it("answers unavailable / store_unavailable when the folder cannot be made", async () => {
    // The root is a file: no folder can be made under it (ENOTDIR).
    await writeFile(join(root, "a-file"), "");
    const store = createFileRecordingStore({ root: join(root, "a-file") });
    await expect(store.put(KEY("a"), bytes("{}"))).rejects.toMatchObject({
      code: "unavailable",
      reason: "store_unavailable",
    });
  });
});
