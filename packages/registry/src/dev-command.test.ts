// `ameide-ext dev` as the terminal runs it: the document once both services are up, then a clean stop on SIGINT.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CliDeps, createNodeDeps, runCli } from "@ameide-ext/cli";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe("ameide-ext dev", () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-dev-cmd-"));
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("starts the registry and a runtime, prints one JSON document, and stops on SIGINT", async () => {
    let out = "";
    const sink = { write: () => {}, isTTY: false, columns: undefined };
    const deps: CliDeps = {
      ...createNodeDeps(),
      cwd: work,
      stdout: {
        write: (t: string) => {
          out += t;
        },
        isTTY: false,
        columns: undefined,
      },
      stderr: sink,
      env: { HOME: work },
    };
    const running = runCli(["dev", "--registry-port", "0", "--runtime-port", "0", "--json"], deps);
    const deadline = Date.now() + 30_000;
    while (!out.includes("\n") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const doc = JSON.parse(out) as {
      ok: boolean;
      registryUrl: string;
      runtimeUrl: string;
      tokens: Record<string, string>;
    };
    expect(doc).toMatchObject({
      ok: true,
      registryUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    });
    expect(Object.keys(doc.tokens)).toEqual(expect.arrayContaining(["user:reviewer", "agent:dev"]));
    expect((await fetch(`${doc.registryUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${doc.runtimeUrl}/healthz`)).status).toBe(200);
    process.emit("SIGINT");
    expect(await running).toBe(0);
    expect(out.trim().split("\n")).toHaveLength(1);
  });
});
