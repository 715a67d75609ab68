// Red team (#12): the recordings' writers against hostile stores and races; every recording counted once.
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createFileRecordingStore, type RecordingStore } from "../store/recording-store.js";
import { recordingsInto } from "../testing/recordings-fixture.js";
import type { HostCallTapes } from "./host-call-tape.js";

/** Recordings into `store`; `offer(n)` offers n failures. */
function setup(store: RecordingStore, o: { queue?: number; tapes?: HostCallTapes } = {}) {
  const { recordings, offerFailures, counts } = recordingsInto(store, o);
  return { recordings, offer: offerFailures, counts };
}

/** Writes the test stores take at once (RecordingStore.writers). */
const RECORDING_WRITERS = 4;

const store = (put: RecordingStore["put"]): RecordingStore => ({
  location: "test",
  writers: RECORDING_WRITERS,
  put,
  list: async () => [],
  get: async () => undefined,
});

/** Unhandled rejections seen while `f` runs (and a few turns after). */
async function unhandledDuring(f: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const on = (e: unknown) => seen.push(e);
  process.on("unhandledRejection", on);
  try {
    await f();
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  } finally {
    process.off("unhandledRejection", on);
  }
  return seen;
}

describe("recordings against hostile stores", () => {
  it("counts a put that throws synchronously as store_error", async () => {
    const { recordings, offer, counts } = setup(
      store(() => {
        throw new Error("sync boom");
      }),
    );
    const seen = await unhandledDuring(async () => {
      offer(6);
      await recordings.flush();
    });
    expect(seen).toEqual([]);
    expect(await counts()).toEqual({ written: 0, dropped: { store_error: 6 }, total: 6 });
    await recordings.close();
  });

  it("counts a recording that cannot be built (its tapes throw) as dropped, with no unhandled rejection, and goes on", async () => {
    let n = 0;
    const tapes: HostCallTapes = {
      callsOf: () => {
        if (n++ % 2 === 0) throw new RangeError("Invalid string length");
        return [];
      },
    } as unknown as HostCallTapes;
    const { recordings, offer, counts } = setup(
      store(async () => {}),
      { tapes },
    );
    const seen = await unhandledDuring(async () => {
      offer(6);
      await Promise.race([recordings.flush(), new Promise((r) => setTimeout(r, 1000))]);
    });
    expect(seen).toEqual([]);
    expect(await counts()).toEqual({ written: 3, dropped: { build_error: 3 }, total: 6 });
    await recordings.close();
  });

  it("counts a put whose thenable settles twice (resolved, then resolved and rejected again) once, as written", async () => {
    const twice = store(
      () =>
        ({
          // biome-ignore lint/suspicious/noThenProperty: a hostile store's thenable
          then(ok: () => void, fail: (e: unknown) => void) {
            ok();
            ok();
            fail(new Error("late"));
          },
        }) as unknown as Promise<void>,
    );
    const { recordings, offer, counts } = setup(twice);
    offer(5);
    await recordings.flush();
    expect(await counts()).toEqual({ written: 5, dropped: {}, total: 5 });
    await recordings.close();
  });

  it("holds the queue cap while the writers hang, counts queue_full, and counts each recording once at close", async () => {
    const { recordings, offer, counts } = setup(
      store(() => new Promise<void>(() => {})),
      { queue: 5 },
    );
    offer(RECORDING_WRITERS);
    await new Promise((r) => setImmediate(r));
    offer(20);
    expect((await counts()).dropped).toEqual({ queue_full: 15 });
    const closing = recordings.close(50);
    offer(3);
    const flushed = recordings.flush();
    await closing;
    await flushed;
    await recordings.close(10);
    expect(await counts()).toEqual({
      written: 0,
      dropped: { queue_full: 15, shutdown: RECORDING_WRITERS + 5 },
      total: RECORDING_WRITERS + 20,
    });
  });

  it("settles a flush that raced with close, and counts a write resolving after close once, as shutdown", async () => {
    const finishes: Array<() => void> = [];
    const { recordings, offer, counts } = setup(
      store(
        () =>
          new Promise<void>((resolve) => {
            finishes.push(resolve);
          }),
      ),
    );
    offer(2);
    await new Promise((r) => setImmediate(r));
    const flushed = recordings.flush();
    await recordings.close(10);
    await flushed;
    for (const f of finishes) f();
    await new Promise((r) => setImmediate(r));
    expect(await counts()).toEqual({ written: 0, dropped: { shutdown: 2 }, total: 2 });
  });
});

describe("recordings' flush under steady offers", () => {
  it("resolves once the recordings queued before it are written, though new ones keep coming", async () => {
    const { recordings, offer, counts } = setup(
      store(() => new Promise<void>((resolve) => setTimeout(resolve, 5))),
    );
    offer(8);
    let flushed = false;
    const flushing = recordings.flush().then(() => {
      flushed = true;
    });
    // Offers every 2 ms for a second: the queue is never empty.
    const started = performance.now();
    while (!flushed && performance.now() - started < 1_000) {
      offer(2);
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(flushed).toBe(true);
    expect(performance.now() - started).toBeLessThan(500);
    expect((await counts()).written).toBeGreaterThanOrEqual(8);
    await flushing;
    await recordings.close(10);
  });
});

/** Runs `test` against a file recording store in a fresh folder, removed afterwards. */
async function withFileStore(test: (s: RecordingStore, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "ameide-file-recording-store-"));
  try {
    await test(createFileRecordingStore({ root: dir }), dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("the file recording store's folders", () => {
  it("refuses a key whose folder path is a file with unavailable / store_unavailable, and writes after the file is gone", async () => {
    await withFileStore(async (s, dir) => {
      await s.put("recordings/acme/x/1/a.json", new Uint8Array([1]));
      await rm(join(dir, "recordings/acme/x/1"), { recursive: true });
      await writeFile(join(dir, "recordings/acme/x/1"), "a file");
      await expect(s.put("recordings/acme/x/1/b.json", new Uint8Array([1]))).rejects.toMatchObject({
        code: "unavailable",
        reason: "store_unavailable",
      });
      await rm(join(dir, "recordings/acme/x/1"));
      await s.put("recordings/acme/x/1/c.json", new Uint8Array([1]));
      expect(await s.list("recordings/", { limit: 10 })).toEqual(["recordings/acme/x/1/c.json"]);
    });
  });

  it("makes a shared folder removed between two writes again, and both land", async () => {
    await withFileStore(async (s, dir) => {
      await s.put("recordings/acme/x/1/a.json", new Uint8Array([1]));
      await rm(join(dir, "recordings"), { recursive: true });
      await Promise.all([
        s.put("recordings/acme/x/1/b.json", new Uint8Array([1])),
        s.put("recordings/acme/x/1/c.json", new Uint8Array([1])),
      ]);
      expect(await s.list("recordings/", { limit: 10 })).toEqual([
        "recordings/acme/x/1/b.json",
        "recordings/acme/x/1/c.json",
      ]);
    });
  });

  it("leaves no temporary file behind when a write fails after it (the rename refused)", async () => {
    await withFileStore(async (s, dir) => {
      // The key's path is a folder with something in it: the rename onto it fails.
      await mkdir(join(dir, "recordings/acme/x/1/a.json/inner"), { recursive: true });
      await expect(s.put("recordings/acme/x/1/a.json", new Uint8Array([1]))).rejects.toMatchObject({
        code: "unavailable",
        reason: "store_unavailable",
      });
      expect(await readdir(join(dir, "recordings/acme/x/1"))).toEqual(["a.json"]);
    });
  });
});
