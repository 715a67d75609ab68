import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { explainError } from "@ameide-ext/contract";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./cli.js";
import { EXIT_CODES } from "./exit-code.js";
import { OUTPUT_SCHEMAS } from "./report/output-schemas.js";
import { createCapturedDeps } from "./testing/cli-process.js";

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = Object.fromEntries(Object.entries(OUTPUT_SCHEMAS).map(([k, s]) => [k, ajv.compile(s)]));

let root: string;

async function cli(args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}) {
  const c = createCapturedDeps({ cwd: root, ...opts });
  const code = await runCli(args, c.deps);
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

/** Runs with --json and checks the one document against its schema (`error` when the command could not work). */
async function cliJson(args: string[], schema: keyof typeof OUTPUT_SCHEMAS, opts: { stdin?: string } = {}) {
  const r = await cli([...args, "--json"], opts);
  expect(r.stdout.trimEnd().split("\n"), "exactly one line of JSON on stdout").toHaveLength(1);
  const doc = JSON.parse(r.stdout) as Record<string, unknown>;
  const validate = validators[schema];
  if (!validate?.(doc))
    throw new Error(`${schema} document: ${ajv.errorsText(validate?.errors)}\n${r.stdout}`);
  return { ...r, doc };
}

const lastLine = (text: string) => text.trimEnd().split("\n").at(-1);

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "ameide-cli-"));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("an unknown command", () => {
  it("is a usage error (exit 2) even with --help, naming it and suggesting the closest command", async () => {
    for (const args of [["frobnicate"], ["frobnicate", "--help"], ["tset", "-h", "x"]]) {
      const r = await cli(args);
      expect([args.join(" "), r.code]).toEqual([args.join(" "), EXIT_CODES.usage]);
      expect(r.stderr).toContain(`unknown command '${args[0]}'`);
      expect(r.stdout).not.toContain("Usage: ameide-ext");
    }
    expect((await cli(["tset", "--help"])).stderr).toContain("Did you mean test?");
    expect((await cli(["test", "--help"])).code).toBe(EXIT_CODES.ok);
    expect((await cli(["help", "test"])).code).toBe(EXIT_CODES.ok);
    expect((await cli(["--help"])).code).toBe(EXIT_CODES.ok);
  });

  it("with --json, still one error document on stdout", async () => {
    const r = await cli(["frobnicate", "--help", "--json"]);
    expect(r.code).toBe(EXIT_CODES.usage);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: "invalid_argument" } });
  });
});

describe("ameide-ext new", () => {
  it("refuses a folder that is not empty", async () => {
    await mkdir(path.join(root, "taken"));
    await writeFile(path.join(root, "taken", "notes.txt"), "mine");
    const r = await cliJson(["new", "taken", "--kind", "process_hook"], "error");
    expect(r.code).toBe(EXIT_CODES.usage);
    expect(r.doc.error).toMatchObject({ code: "failed_precondition" });
    expect(await readFile(path.join(root, "taken", "notes.txt"), "utf8")).toBe("mine");
  });

  it("refuses an unknown kind, naming the kinds", async () => {
    const r = await cliJson(["new", "some-hook", "--kind", "cron_job"], "error");
    expect(r.code).toBe(EXIT_CODES.usage);
    expect(r.doc.error).toMatchObject({
      code: "invalid_argument",
      details: { field: "--kind", value: "cron_job" },
    });
  });

  it("refuses an unknown language, naming the languages", async () => {
    const r = await cliJson(["new", "some-hook", "--kind", "process_hook", "--lang", "rust"], "error");
    expect(r.code).toBe(EXIT_CODES.usage);
    expect(r.doc.error).toMatchObject({
      code: "invalid_argument",
      details: { field: "--lang", value: "rust", allowed: ["assemblyscript", "typescript"] },
    });
    expect((await cli(["new", "some-hook", "--kind", "process_hook", "--lang", "rust"])).stderr).toContain(
      "it must be one of assemblyscript, typescript",
    );
  });

  it("refuses a name that is not a kebab-case id of 3 to 64 characters", async () => {
    for (const name of ["Deal", "ab", "deal--x", "x".repeat(65)]) {
      expect((await cli(["new", name, "--kind", "process_hook"])).code).toBe(EXIT_CODES.usage);
    }
  });

  it("refuses a risk tier the template's host calls do not allow", async () => {
    const r = await cliJson(["new", "tool-low", "--kind", "agent_tool", "--risk-tier", "low"], "error");
    expect(r.code).toBe(EXIT_CODES.usage);
    expect(r.doc.error).toMatchObject({ details: { problems: [{ field: "host_calls" }] } });
  });

  it("needs --kind", async () => {
    const r = await cliJson(["new", "no-kind"], "error");
    expect(r.code).toBe(EXIT_CODES.usage);
  });

  it("takes created_by from --created-by, else AMEIDE_ACTOR, else the OS user", async () => {
    const a = await cliJson(
      ["new", "by-flag", "--kind", "process_hook", "--created-by", "agent:copilot"],
      "new",
    );
    expect(a.doc.createdBy).toBe("agent:copilot");
    const b = await cliJson(["new", "by-env", "--kind", "process_hook"], "new");
    expect(b.doc.createdBy).toBe("agent:test");
    const c = await cli(["new", "by-user", "--kind", "process_hook"], { env: { AMEIDE_ACTOR: "" } });
    expect(c.code).toBe(EXIT_CODES.ok);
    const manifest = JSON.parse(await readFile(path.join(root, "by-user", "extension.json"), "utf8"));
    expect(manifest.metadata.created_by).toBe("user:tester");
    expect(manifest.id).toBe("by-user");
  });
});

describe("a scaffolded process_hook", () => {
  let hook: string;

  beforeAll(async () => {
    const r = await cliJson(
      ["new", "deal-guard", "--kind", "process_hook", "--dir", "hooks/deal-guard"],
      "new",
    );
    expect(r.doc.files).toEqual(expect.arrayContaining(["extension.json", "src/index.ts", "README.md"]));
    hook = path.join(root, "hooks", "deal-guard");
  });

  it("builds and passes its own tests at once", async () => {
    const r = await cli(["test", "hooks/deal-guard"]);
    expect(r.code, r.stderr).toBe(EXIT_CODES.ok);
    expect(lastLine(r.stdout)).toBe("3 passed, 0 failed");
    expect(r.stdout).toMatch(/fuel [\d.]+k of [\d.]+M instructions/);
  });

  it("test --json reports each case with its stats", async () => {
    const r = await cliJson(["test", "hooks/deal-guard"], "test");
    expect(r.code).toBe(EXIT_CODES.ok);
    expect(r.doc).toMatchObject({ ok: true, passed: 3, failed: 0 });
  });

  it("build --json prints the component's path, sha256 and size", async () => {
    const r = await cliJson(["build", "hooks/deal-guard"], "build");
    expect(r.code).toBe(EXIT_CODES.ok);
    expect(r.doc.wasm).toBe(path.join(hook, "dist", "deal-guard.wasm"));
    expect((await readFile(path.join(hook, "dist", "deal-guard.wasm"))).byteLength).toBe(r.doc.bytes);
  });

  it("run prints the output on stdout and the stats on stderr", async () => {
    const r = await cli(["run", "hooks/deal-guard", "--input", "-"], {
      stdin: '{"dealId":"D-1","amount":72000,"marginPct":8.5}',
    });
    expect(r.code).toBe(EXIT_CODES.ok);
    expect(JSON.parse(r.stdout)).toEqual({ route: "extra_approval", reasons: ["amount>50000", "margin<10"] });
    expect(r.stderr).toMatch(/log +\[info\] deal D-1 needs an extra approval step/);
    expect(r.stderr).toMatch(/fuel +[\d.]+k of [\d.]+M instructions/);
  });

  it("run --json gives a business error with ok false and exit 1", async () => {
    const r = await cliJson(["run", "hooks/deal-guard", "--input", "-"], "run", {
      stdin: '{"amount":90000}',
    });
    expect(r.code).toBe(EXIT_CODES.failed);
    expect(r.doc).toMatchObject({
      ok: false,
      output: null,
      error: { code: "INVALID_DEAL", reason: "business_error" },
    });
  });

  it("run --fixture replays a case", async () => {
    const r = await cliJson(
      ["run", "hooks/deal-guard", "--fixture", "hooks/deal-guard/tests/small-deal.json"],
      "run",
    );
    expect(r.doc).toMatchObject({ ok: true, output: { route: "standard" } });
  });

  it("run refuses input that is not JSON, naming the line", async () => {
    await writeFile(path.join(root, "bad-input.json"), '{\n  "amount": 1,\n}');
    const r = await cliJson(["run", "hooks/deal-guard", "--input", "bad-input.json"], "error");
    expect(r.code).toBe(EXIT_CODES.usage);
    expect(r.doc.error).toMatchObject({
      code: "invalid_argument",
      reason: "invalid_input",
      details: { line: 3 },
    });
  });

  it("a failing fixture gives a diff and exit 1; --update rewrites expected", async () => {
    const copy = path.join(root, "hooks", "deal-failing");
    await cp(hook, copy, { recursive: true });
    const fixture = path.join(copy, "tests", "small-deal.json");
    const before = JSON.parse(await readFile(fixture, "utf8"));
    await writeFile(
      fixture,
      JSON.stringify({ ...before, expected: { route: "fast_track", reasons: [] } }, null, 2),
    );

    const failing = await cli(["test", "hooks/deal-failing"]);
    expect(failing.code).toBe(EXIT_CODES.failed);
    expect(lastLine(failing.stdout)).toBe("2 passed, 1 failed");
    expect(failing.stdout).toContain('-   "route": "fast_track"');
    expect(failing.stdout).toContain('+   "route": "standard"');
    const json = await cliJson(["test", "hooks/deal-failing", "--filter", "small"], "test");
    expect(json.doc).toMatchObject({ ok: false, passed: 0, failed: 1, cases: [{ status: "failed" }] });
    expect((json.doc.cases as Array<{ diff: string }>)[0]?.diff).toContain("fast_track");

    const updated = await cli(["test", "hooks/deal-failing", "--update"]);
    expect(updated.code).toBe(EXIT_CODES.ok);
    expect(updated.stderr).toContain("updated hooks/deal-failing/tests/small-deal.json");
    expect(JSON.parse(await readFile(fixture, "utf8"))).toEqual(before);
    expect(lastLine((await cli(["test", "hooks/deal-failing"])).stdout)).toBe("3 passed, 0 failed");
  });

  it("--filter that matches nothing is a usage error", async () => {
    expect((await cli(["test", "hooks/deal-guard", "--filter", "no such case"])).code).toBe(EXIT_CODES.usage);
  });

  it.each([
    [
      "a memory cap over 1 GiB",
      (m: Manifest) => ({ ...m, limits: { ...m.limits, memory_mb: 2048 } }),
      "limits.memory_mb",
    ],
    ["a missing kind", ({ kind: _, ...m }: Manifest) => m, "kind"],
    ["an unknown field", (m: Manifest) => ({ ...m, timeout: 5 }), "timeout"],
    [
      "a host call at risk tier low",
      (m: Manifest) => ({ ...m, host_calls: [{ service: "s", method: "m" }] }),
      "host_calls",
    ],
  ])("a manifest with %s exits 2 naming the field", async (_, change, field) => {
    const dir = path.join(root, "hooks", `bad-${field.replace(/\W/g, "-")}`);
    await cp(path.join(hook, "extension.json"), path.join(dir, "extension.json"));
    const manifest = JSON.parse(await readFile(path.join(dir, "extension.json"), "utf8")) as Manifest;
    await writeFile(path.join(dir, "extension.json"), JSON.stringify(change(manifest)));
    for (const command of ["build", "test", "run"]) {
      const args = command === "run" ? [command, dir, "--input", "-"] : [command, dir];
      const r = await cliJson(args, "error", { stdin: "{}" });
      expect(r.code).toBe(EXIT_CODES.usage);
      expect(r.doc.error).toMatchObject({
        code: "invalid_argument",
        reason: "invalid_manifest",
        details: { problems: [expect.objectContaining({ field })] },
      });
    }
    expect((await cli(["build", dir])).stderr).toContain(`  ${field}: `);
  });

  it("a bad fixture file exits 2 naming the file and the field", async () => {
    const copy = path.join(root, "hooks", "deal-bad-fixture");
    await cp(hook, copy, { recursive: true });
    await writeFile(path.join(copy, "tests", "zz-typo.json"), JSON.stringify({ name: "typo", inptu: {} }));
    await writeFile(path.join(copy, "tests", "zz-not-json.json"), '{ "name": "x", ');
    const r = await cliJson(["test", "hooks/deal-bad-fixture"], "error");
    expect(r.code).toBe(EXIT_CODES.usage);
    expect(r.doc.error).toMatchObject({
      code: "invalid_argument",
      reason: "invalid_input",
      details: {
        problems: [
          { file: "hooks/deal-bad-fixture/tests/zz-not-json.json", field: "(document)" },
          { file: "hooks/deal-bad-fixture/tests/zz-typo.json", field: "input" },
          { file: "hooks/deal-bad-fixture/tests/zz-typo.json", field: "inptu" },
        ],
      },
    });
  });

  it("a compile error gives its file:line:column and the source line, exit 1", async () => {
    const copy = path.join(root, "hooks", "deal-broken");
    await cp(hook, copy, { recursive: true });
    const source = await readFile(path.join(copy, "src", "index.ts"), "utf8");
    await writeFile(
      path.join(copy, "src", "index.ts"),
      source.replace("const extra =", 'const extra: i32 = "yes"; const x ='),
    );
    const r = await cli(["build", "hooks/deal-broken"]);
    expect(r.code).toBe(EXIT_CODES.failed);
    expect(r.stderr).toMatch(/error \(invalid_argument\/compile_error\)/);
    expect(r.stderr).toMatch(/hooks\/deal-broken\/src\/index\.ts:\d+:\d+ error TS\d+: /);
    expect(r.stderr).toContain('const extra: i32 = "yes"');
    const json = await cliJson(["test", "hooks/deal-broken"], "error");
    expect(json.code).toBe(EXIT_CODES.failed);
    expect(json.doc.error).toMatchObject({
      reason: "compile_error",
      details: {
        diagnostics: [expect.objectContaining({ file: path.join(copy, "src", "index.ts") })],
        fix: explainError({ reason: "compile_error" }).fix,
      },
    });
  });

  it("a hook that loops forever fails run with resource_exhausted/fuel, exit 1", async () => {
    const copy = path.join(root, "hooks", "deal-loop");
    await cp(hook, copy, { recursive: true });
    await writeFile(
      path.join(copy, "src", "index.ts"),
      "export function run(input: string): string {\n  let n: i64 = 0;\n  while (true) n++;\n  return input;\n}\n",
    );
    const r = await cliJson(["run", "hooks/deal-loop", "--input", "-"], "run", { stdin: "{}" });
    expect(r.code).toBe(EXIT_CODES.failed);
    expect(r.doc).toMatchObject({ ok: false, error: { code: "resource_exhausted", reason: "fuel" } });
    const stats = r.doc.stats as { fuelUsed: number; fuelLimit: number };
    expect(stats.fuelUsed).toBe(stats.fuelLimit);
  });
});

describe("a scaffolded agent_tool", () => {
  beforeAll(async () => {
    expect((await cli(["new", "opp-risk", "--kind", "agent_tool"])).code).toBe(EXIT_CODES.ok);
  });

  it("answers its host call from the fixture's hostCalls and passes", async () => {
    const r = await cliJson(["test", "opp-risk"], "test");
    expect(r.doc).toMatchObject({ ok: true, failed: 0 });
    const high = (
      r.doc.cases as Array<{ name: string; stats: { hostCalls: number; hostCallsLimit: number } }>
    ).find((c) => c.name.includes("scores high"));
    expect(high?.stats).toMatchObject({ hostCalls: 1, hostCallsLimit: 1 });
  });

  it("fails a case whose host call has no answer", async () => {
    const fixture = JSON.parse(
      await readFile(path.join(root, "opp-risk", "tests", "high-risk.json"), "utf8"),
    );
    await writeFile(path.join(root, "no-answer.json"), JSON.stringify({ ...fixture, hostCalls: [] }));
    await cp(path.join(root, "no-answer.json"), path.join(root, "opp-risk", "tests", "zz-no-answer.json"));
    const r = await cliJson(["test", "opp-risk", "--filter", "zz-no-answer"], "test");
    expect(r.code).toBe(EXIT_CODES.failed);
    const failures = (r.doc.cases as Array<{ failures: string[] }>)[0]?.failures ?? [];
    expect(failures.join("\n")).toContain("unexpected host call ameide.crm.v1.AccountService.GetChurnRisk");
    await rm(path.join(root, "opp-risk", "tests", "zz-no-answer.json"));
  });

  it("run --risk-tier low refuses the host call with permission_denied", async () => {
    const r = await cliJson(
      ["run", "opp-risk", "--fixture", "opp-risk/tests/high-risk.json", "--risk-tier", "low"],
      "run",
    );
    expect(r.code).toBe(EXIT_CODES.failed);
    expect(r.doc).toMatchObject({ error: { code: "permission_denied", reason: "host_call_denied" } });
  });
});

describe("usage", () => {
  it("every command's --help has examples", async () => {
    for (const command of ["new", "build", "test", "run"]) {
      const r = await cli([command, "--help"]);
      expect(r.code).toBe(EXIT_CODES.ok);
      expect(r.stdout).toContain("Examples:\n  $ npx ameide-ext");
    }
  });

  it("an unknown option exits 2, with one JSON document under --json", async () => {
    expect((await cli(["build", "--frobnicate"])).code).toBe(EXIT_CODES.usage);
    const r = await cliJson(["test", "--frobnicate"], "error");
    expect(r.code).toBe(EXIT_CODES.usage);
  });

  it("a folder that is not a hook exits 2", async () => {
    const r = await cliJson(["build", "."], "error");
    expect(r.code).toBe(EXIT_CODES.usage);
    expect(r.doc.error).toMatchObject({ code: "not_found" });
  });
});

type Manifest = Record<string, unknown> & { limits: Record<string, unknown> };
