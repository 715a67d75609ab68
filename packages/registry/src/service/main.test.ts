import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "./main.js";

describe("ameide-ext-registry main()", () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-registry-main-"));
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await rm(work, { recursive: true, force: true });
  });

  it("exits 2 on a usage error and 0 for --help", async () => {
    expect(await main([], {})).toBe(2);
    expect(await main(["--port", "x", "--config", "c.yaml"], {})).toBe(2);
    expect(await main(["--help"], {})).toBe(0);
  });

  it("--help names the review page", async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    try {
      expect(await main(["--help"], {})).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(out.join("")).toContain("/review");
  });

  it("exits 1 when the config is invalid (an open registry, an unknown key)", async () => {
    const open = join(work, "open.yaml");
    await writeFile(open, "database: ':memory:'\nauth: {}\n");
    expect(await main(["--config", open, "--port", "0"], {})).toBe(1);
    const unknown = join(work, "unknown.yaml");
    await writeFile(unknown, "auth: {}\nsurprise: true\n");
    expect(await main(["--config", unknown], {})).toBe(1);
  });
});
