import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT_CODES } from "./exit-code.js";
import { parseCliDocument, spawnCli } from "./testing/cli-process.js";

// The CLI as a process, run from its sources (no build), the way `npx ameide-ext` runs it.
// The same behaviours in detail, in-process: cli.test.ts.
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "ameide-cli-e2e-"));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe.concurrent("ameide-ext, as a process", () => {
  it.each([
    ["process_hook", "deal-guard", 3],
    ["domain_hook", "order-check", 5],
    ["agent_tool", "opportunity-risk", 4],
  ] as const)("scaffolds %s, which builds and passes its tests", async (kind, name, cases) => {
    const dir = `hooks/${name}`;
    const created = await spawnCli(["new", name, "--kind", kind, "--dir", dir, "--json"], { cwd: root });
    expect(created.code, created.stderr).toBe(EXIT_CODES.ok);
    expect(parseCliDocument(created.stdout, "new")).toMatchObject({
      id: name,
      kind,
      createdBy: "agent:test",
    });

    const built = await spawnCli(["build", dir], { cwd: root });
    expect(built.code, built.stderr).toBe(EXIT_CODES.ok);
    expect(built.stdout).toMatch(/size +[\d.]+ KiB of 16 MiB/);
    expect(await readdir(path.join(root, dir, "dist"))).toContain(`${name}.wasm`);

    const tested = await spawnCli(["test", dir], { cwd: root });
    expect(tested.code, tested.stderr).toBe(EXIT_CODES.ok);
    expect(tested.stdout.trimEnd().split("\n").at(-1)).toBe(`${cases} passed, 0 failed`);
    expect(tested.stderr).toContain("using the build in dist/");

    if (kind === "process_hook") {
      const ran = await spawnCli(["run", dir, "--input", "-", "--json"], {
        cwd: root,
        stdin: '{"amount": 12000, "marginPct": 30}',
      });
      expect(ran.code, ran.stderr).toBe(EXIT_CODES.ok);
      expect(parseCliDocument(ran.stdout, "run")).toMatchObject({
        ok: true,
        output: { route: "standard", reasons: [] },
      });
    }
  });

  it("exits 2 and names the field of a bad manifest, with nothing on stdout", async () => {
    const dir = path.join(root, "bad-manifest");
    await mkdir(path.join(dir, "src"), { recursive: true });
    await writeFile(
      path.join(dir, "src", "index.ts"),
      "export function run(input: string): string { return input; }\n",
    );
    await writeFile(
      path.join(dir, "extension.json"),
      JSON.stringify({ id: "bad-manifest", kind: "process_hook", abi: "json_in_json_out_v1", version: "1" }),
    );
    const r = await spawnCli(["build", dir], { cwd: root });
    expect(r.code).toBe(EXIT_CODES.usage);
    expect(r.stderr).toContain("  risk_tier: is required");
    expect(r.stdout).toBe("");
  });
});
