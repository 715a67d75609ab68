// Issue #14: "no registry URL" after `dev` had written .ameide-dev/config.json in the folder above.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli.js";
import { createCapturedDeps } from "../testing/cli-process.js";

describe("promote, run under the folder where dev runs", () => {
  let work: string;
  const env = (home: string) => ({ HOME: home, NO_COLOR: "1" });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-promote-config-"));
    await mkdir(join(work, "hooks"), { recursive: true });
    const scaffold = createCapturedDeps({ cwd: work, env: env(work) });
    expect(
      await runCli(
        ["new", "deal-guard", "--kind", "process_hook", "--dir", "hooks/deal-guard"],
        scaffold.deps,
      ),
      scaffold.stderr(),
    ).toBe(0);
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("without a config, names the .ameide-dev/config.json that dev writes (exit 2)", async () => {
    const { deps, stdout } = createCapturedDeps({ cwd: join(work, "hooks", "deal-guard"), env: env(work) });
    expect(await runCli(["promote", ".", "--env", "dev", "--json"], deps)).toBe(2);
    const doc = JSON.parse(stdout()) as { error: { code: string; message: string } };
    expect(doc.error.code).toBe("invalid_argument");
    expect(doc.error.message).toContain(".ameide-dev/config.json");
  });

  it("finds .ameide-dev/config.json above the cwd and calls the registry it names", async () => {
    await mkdir(join(work, ".ameide-dev"), { recursive: true });
    // A registry that is not there: the error is that it cannot be reached, not that there is no URL.
    await writeFile(
      join(work, ".ameide-dev", "config.json"),
      JSON.stringify({ registry_url: "http://127.0.0.1:9", token: "dev-token", tenant: "local" }),
    );
    const { deps, stdout } = createCapturedDeps({ cwd: join(work, "hooks", "deal-guard"), env: env(work) });
    expect(await runCli(["promote", ".", "--env", "dev", "--json"], deps)).toBe(1);
    expect(JSON.parse(stdout())).toMatchObject({ ok: false, error: { code: "unavailable" } });
  });
});
