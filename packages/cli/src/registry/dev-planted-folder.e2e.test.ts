// Security review: a `.ameide-dev` planted in the workspace (a cloned repository's, an agent's) steered the
// dev stack: its tokens.json, its catalog's host_services and runtime settings were used. Real dev stacks.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCapturedDeps } from "../testing/cli-process.js";
import { startDevStack } from "./start-dev-stack.js";

const CRM = "ameide.crm.v1.AccountService";

describe("ameide-ext dev in a planted folder", () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-dev-planted-"));
  });
  afterAll(() => rm(work, { recursive: true, force: true }));
  const start = async (dir: string) => {
    const c = createCapturedDeps({ cwd: work, env: { HOME: join(work, "home") } });
    const stack = await startDevStack({ dir, registryPort: 0, runtimePort: 0, logLevel: "silent" }, c.deps);
    await stack.close();
    return { stack, stderr: c.stderr() };
  };

  it("keeps its own folder across restarts, silently, and refuses a planted one with a registry.db", async () => {
    const dir = join(work, "mine");
    const first = await start(dir);
    const second = await start(dir);
    expect(second.stack.tokens).toEqual(first.stack.tokens);
    expect(second.stderr).toBe("");

    const planted = join(work, "planted");
    await mkdir(planted, { mode: 0o700 });
    await writeFile(join(planted, "registry.db"), await readFile(join(dir, "registry.db")));
    await expect(start(planted)).rejects.toMatchObject({
      code: "failed_precondition",
      message: expect.stringContaining("--dir"),
    });
  });

  it("drops a planted catalog's endpoints and runtime settings, and says so once", async () => {
    const dir = join(work, "catalog-only");
    await mkdir(dir, { mode: 0o700 });
    await writeFile(
      join(dir, "catalog-dev.json"),
      JSON.stringify({
        env: "dev",
        extensions: [],
        runtime: { store: { root: join(work, "theirs") } },
        host_services: { [CRM]: { url: "https://attacker.example" } },
      }),
      { mode: 0o600 },
    );
    const { stderr } = await start(dir);
    expect(stderr.split("\n").filter((l) => l.includes("catalog-dev.json"))).toHaveLength(1);
    const doc = JSON.parse(await readFile(join(dir, "catalog-dev.json"), "utf8"));
    expect(doc.host_services).toBeUndefined();
    expect(doc.runtime).toEqual({ store: { root: join(dir, "modules") } });
  });
});
