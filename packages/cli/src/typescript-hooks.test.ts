import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { EXTENSION_KINDS } from "@ameide-ext/contract";
import { createHookTsconfig } from "@ameide-ext/pdk/tsconfig";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT_CODES } from "./exit-code.js";
import { TEMPLATES_DIR } from "./new/templates.js";
import { parseCliDocument, spawnCli } from "./testing/cli-process.js";

// Hooks written in TypeScript (--lang typescript), through the CLI as a process, as main.test.ts does for
// AssemblyScript. A TypeScript build takes a few seconds (type-check, bundle, componentize-qjs), so each
// hook is built once and the cases after it reuse dist/.
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "ameide-cli-ts-"));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const cli = (args: readonly string[], stdin?: string) =>
  spawnCli(args, stdin === undefined ? { cwd: root } : { cwd: root, stdin });

/** What an editor reports for the hook in `dir`, reading its tsconfig.json as `tsc -p` does. */
function editorDiagnostics(dir: string): string[] {
  const config = ts.readConfigFile(path.join(dir, "tsconfig.json"), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, dir);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  return [...parsed.errors, ...ts.getPreEmitDiagnostics(program)].map((d) =>
    ts.flattenDiagnosticMessageText(d.messageText, "\n"),
  );
}

describe("templates/typescript", () => {
  it.each(EXTENSION_KINDS)(
    "%s is the AssemblyScript template's hook: same fixtures, same manifest but lang",
    async (kind) => {
      const ts = path.join(TEMPLATES_DIR, "typescript", kind);
      const as = path.join(TEMPLATES_DIR, "assemblyscript", kind);
      const fixtures = (await readdir(path.join(as, "tests"))).sort();
      expect((await readdir(path.join(ts, "tests"))).sort()).toEqual(fixtures);
      for (const f of fixtures) {
        const read = async (dir: string) => JSON.parse(await readFile(path.join(dir, "tests", f), "utf8"));
        expect(await read(ts), f).toEqual(await read(as));
      }
      const manifest = async (dir: string) =>
        JSON.parse(await readFile(path.join(dir, "extension.json"), "utf8"));
      const { lang, limits, ...rest } = await manifest(ts);
      const { limits: asLimits, ...asRest } = await manifest(as);
      expect(lang).toBe("typescript");
      expect(rest).toEqual(asRest);
      // Only the wall clock differs (docs/cli.md, "Size and cost").
      expect({ ...limits, timeout_ms: 0 }).toEqual({ ...asLimits, timeout_ms: 0 });
      // Its tsconfig.json points editors at the guest PDK from where it is, as `new` writes one for a new folder.
      expect(JSON.parse(await readFile(path.join(ts, "tsconfig.json"), "utf8"))).toEqual(
        createHookTsconfig(ts),
      );
    },
  );
});

// A TypeScript build and each engine load of its component take seconds on a shared 2-core machine:
// the cases run one after the other (concurrent builds only queue for the CPU) with room to spare.
const HEAVY_MS = 240_000;

describe("ameide-ext new --lang typescript", () => {
  it.each([
    ["process_hook", "deal-guard", 3],
    ["domain_hook", "order-check", 5],
    ["agent_tool", "opportunity-risk", 4],
  ] as const)(
    "scaffolds %s, which builds and passes its tests",
    async (kind, name, cases) => {
      const dir = `hooks/${name}`;
      const created = await cli([
        "new",
        name,
        "--kind",
        kind,
        "--lang",
        "typescript",
        "--dir",
        dir,
        "--json",
      ]);
      expect(created.code, created.stderr).toBe(EXIT_CODES.ok);
      const doc = parseCliDocument(created.stdout, "new");
      expect(doc).toMatchObject({ id: name, kind, lang: "typescript" });
      expect(doc.files).toEqual(expect.arrayContaining(["src/index.ts", "tsconfig.json", "extension.json"]));
      const manifest = JSON.parse(await readFile(path.join(root, dir, "extension.json"), "utf8"));
      expect(manifest).toMatchObject({ id: name, lang: "typescript" });
      const source = await readFile(path.join(root, dir, "src", "index.ts"), "utf8");
      expect(source).toMatch(/^import \{ .* \} from "@ameide-ext\/pdk";$/m);
      expect(source).toMatch(/^export function run\(input: Json\)/m);
      expect(editorDiagnostics(path.join(root, dir)), "the editor's view of the new hook").toEqual([]);

      const built = await cli(["build", dir, "--json"]);
      expect(built.code, built.stderr).toBe(EXIT_CODES.ok);
      const build = parseCliDocument(built.stdout, "build");
      const wasm = await readFile(path.join(root, dir, "dist", `${name}.wasm`));
      expect(build).toMatchObject({ id: name, bytes: wasm.byteLength, warnings: [] });

      const tested = await cli(["test", dir]);
      expect(tested.code, `${tested.stdout}\n${tested.stderr}`).toBe(EXIT_CODES.ok);
      expect(tested.stdout.trimEnd().split("\n").at(-1)).toBe(`${cases} passed, 0 failed`);
      expect(tested.stderr).toContain(`${name} v1 · ${kind} · typescript · `);
      expect(tested.stderr).toContain("using the build in dist/");
      expect(tested.stderr).toContain("the engine accepts it");
    },
    HEAVY_MS,
  );

  // The process_hook built above, run once per outcome.
  it(
    "run prints a TypeScript hook's output on stdout, its log line and stats on stderr",
    async () => {
      const r = await cli(
        ["run", "hooks/deal-guard", "--input", "-"],
        '{"dealId":"D-1","amount":72000,"marginPct":8.5}',
      );
      expect(r.code, r.stderr).toBe(EXIT_CODES.ok);
      expect(JSON.parse(r.stdout)).toEqual({
        route: "extra_approval",
        reasons: ["amount>50000", "margin<10"],
      });
      expect(r.stderr).toMatch(/log +\[info\] deal D-1 needs an extra approval step/);
      expect(r.stderr).toMatch(/fuel +[\d.]+[kM]? of [\d.]+M instructions/);
      expect(r.stderr).toContain("using the build in dist/");
    },
    HEAVY_MS,
  );

  it(
    "run --json gives a TypeScript hook's fail() as a business error, exit 1",
    async () => {
      const r = await cli(["run", "hooks/deal-guard", "--input", "-", "--json"], '{"amount":90000}');
      expect(r.code).toBe(EXIT_CODES.failed);
      expect(parseCliDocument(r.stdout, "run")).toMatchObject({
        ok: false,
        output: null,
        error: {
          code: "INVALID_DEAL",
          reason: "business_error",
          message: "a deal needs `amount` and `marginPct`",
        },
      });
    },
    HEAVY_MS,
  );
});

describe("a TypeScript hook that does not type-check", () => {
  it(
    "a type error exits 1 with its file:line:column, in --json too",
    async () => {
      const broken = path.join(root, "hooks", "deal-ts-broken");
      const created = await cli([
        "new",
        "deal-ts-broken",
        "--kind",
        "process_hook",
        "--lang",
        "typescript",
        "--dir",
        broken,
      ]);
      expect(created.code, created.stderr).toBe(EXIT_CODES.ok);
      const source = (await readFile(path.join(broken, "src", "index.ts"), "utf8")).replace(
        "const AMOUNT_THRESHOLD = 50_000;",
        'const AMOUNT_THRESHOLD: number = "50k";',
      );
      await writeFile(path.join(broken, "src", "index.ts"), source);
      const line = source.split("\n").findIndex((l) => l.includes('"50k"')) + 1;
      expect(line).toBeGreaterThan(0);

      const r = await cli(["build", broken]);
      expect(r.code).toBe(EXIT_CODES.failed);
      expect(r.stderr).toContain("error (invalid_argument/compile_error)");
      expect(r.stderr).toContain(`hooks/deal-ts-broken/src/index.ts:${line}:7 error TS2322: `);
      expect(r.stderr).toContain('const AMOUNT_THRESHOLD: number = "50k";');

      const json = await cli(["test", broken, "--json"]);
      expect(json.code).toBe(EXIT_CODES.failed);
      expect(parseCliDocument(json.stdout, "error")).toMatchObject({
        error: {
          code: "invalid_argument",
          reason: "compile_error",
          details: {
            diagnostics: [
              {
                file: path.join(broken, "src", "index.ts"),
                line,
                column: 7,
                code: "TS2322",
                severity: "error",
              },
            ],
          },
        },
      });
      expect(await readdir(broken)).not.toContain("dist");
    },
    HEAVY_MS,
  );
});

describe("the TypeScript guest's rules", () => {
  // One hook, one build, one `test` process: each fixture pins one rule of docs/cli.md, "TypeScript hooks".
  const fixtures: Record<string, Record<string, unknown>> = {
    "clock.json": {
      name: "no clock: Date.now() is 0, new Date() the epoch; given dates work",
      input: "clock",
      expected: { now: 0, date: "1970-01-01T00:00:00.000Z", given: "2026-01-31T00:00:00.000Z" },
    },
    "undefined.json": { name: "undefined is the output null", input: "undefined", expected: null },
    "throw.json": {
      name: "an exception other than fail() is internal/guest_exception, logged",
      input: "throw",
      expectError: { code: "internal", reason: "guest_exception" },
    },
    "async.json": {
      name: "a Promise for an output is internal/guest_exception, logged",
      input: "async",
      expectError: { code: "internal", reason: "guest_exception" },
    },
    "random-a.json": { name: "Math.random for input a", input: { seed: "a" } },
    "random-a-again.json": { name: "Math.random for input a again", input: { seed: "a" } },
    "random-b.json": { name: "Math.random for input b", input: { seed: "b" } },
  };

  it(
    "determinism, undefined, exceptions and Promises behave as documented",
    async () => {
      const dir = path.join(root, "guest-rules");
      await mkdir(path.join(dir, "src"), { recursive: true });
      await mkdir(path.join(dir, "tests"), { recursive: true });
      await writeFile(
        path.join(dir, "src", "index.ts"),
        [
          'import type { Json } from "@ameide-ext/pdk";',
          "",
          "export function run(input: Json): unknown {",
          '  if (input === "clock") {',
          '    return { now: Date.now(), date: new Date().toISOString(), given: new Date("2026-01-31").toISOString() };',
          "  }",
          '  if (input === "undefined") return undefined;',
          '  if (input === "throw") throw new RangeError("boom");',
          '  if (input === "async") return Promise.resolve(1);',
          "  return [Math.random(), Math.random()];",
          "}",
          "",
        ].join("\n"),
      );
      await writeFile(
        path.join(dir, "extension.json"),
        JSON.stringify({
          id: "guest-rules",
          kind: "process_hook",
          abi: "json_in_json_out_v1",
          lang: "typescript",
          version: "1",
          risk_tier: "low",
          metadata: { description: "The TypeScript guest's rules.", created_by: "agent:test" },
        }),
      );
      for (const [file, fixture] of Object.entries(fixtures))
        await writeFile(path.join(dir, "tests", file), JSON.stringify(fixture));

      const r = await cli(["test", "guest-rules", "--json"]);
      const doc = parseCliDocument(r.stdout, "test");
      const cases = new Map(
        (
          doc.cases as Array<{
            file: string;
            ok: boolean;
            output: unknown;
            failures: string[];
            logs: unknown[];
          }>
        ).map((c) => [path.basename(c.file), c]),
      );
      for (const [file, c] of cases) expect(c.failures, file).toEqual([]);
      expect(r.code).toBe(EXIT_CODES.ok);
      expect(cases.get("throw.json")?.logs).toEqual([
        { level: "error", message: expect.stringMatching(/^unhandled exception: RangeError: boom\n/) },
      ]);
      expect(cases.get("async.json")?.logs).toEqual([
        { level: "error", message: "run returned a Promise: a hook is synchronous (no async, no await)" },
      ]);
      const a = cases.get("random-a.json")?.output as number[];
      expect(a).toHaveLength(2);
      expect(a[0]).not.toBe(a[1]);
      expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
      expect(cases.get("random-a-again.json")?.output, "the same input, the same sequence").toEqual(a);
      expect(cases.get("random-b.json")?.output, "another input, another sequence").not.toEqual(a);
    },
    HEAVY_MS,
  );
});

describe("a TypeScript hook with an npm dependency", () => {
  const hook = () => path.join(root, "banded");
  const dependency = () => path.join(hook(), "node_modules", "deal-bands", "index.js");

  beforeAll(async () => {
    // A pure-JS CommonJS package with its own types, as most npm packages are; no network.
    await mkdir(path.dirname(dependency()), { recursive: true });
    await writeFile(
      path.join(path.dirname(dependency()), "package.json"),
      JSON.stringify({ name: "deal-bands", version: "1.0.0", main: "index.js", types: "index.d.ts" }),
    );
    await writeFile(
      dependency(),
      'exports.band = function band(score) { return score >= 65 ? "high" : score >= 35 ? "medium" : "low"; };\n',
    );
    await writeFile(
      path.join(path.dirname(dependency()), "index.d.ts"),
      'export declare function band(score: number): "low" | "medium" | "high";\n',
    );
    await mkdir(path.join(hook(), "src"), { recursive: true });
    await writeFile(
      path.join(hook(), "src", "index.ts"),
      [
        'import type { Json } from "@ameide-ext/pdk";',
        'import { band } from "deal-bands";',
        "",
        "export function run(input: Json) {",
        '  const score = typeof input === "number" ? input : 0;',
        "  return { score, band: band(score) };",
        "}",
        "",
      ].join("\n"),
    );
    await writeFile(
      path.join(hook(), "extension.json"),
      JSON.stringify({
        id: "banded",
        kind: "agent_tool",
        abi: "json_in_json_out_v1",
        lang: "typescript",
        version: "1",
        risk_tier: "low",
        metadata: { description: "Bands a score with an npm package.", created_by: "agent:test" },
      }),
    );
  });

  // That a change to the dependency makes dist/ stale is build-cache.test.ts's, without a build.
  it(
    "bundles it and records it in the build's stamp",
    async () => {
      const built = await cli(["build", "banded", "--json"]);
      expect(built.code, built.stderr).toBe(EXIT_CODES.ok);
      parseCliDocument(built.stdout, "build");
      const stamp = JSON.parse(await readFile(path.join(hook(), "dist", "banded.build.json"), "utf8"));
      expect(Object.keys(stamp.dependencies)).toEqual(["node_modules/deal-bands/index.js"]);

      const ran = await cli(["run", "banded", "--input", "-"], "70");
      expect(ran.code, ran.stderr).toBe(EXIT_CODES.ok);
      expect(JSON.parse(ran.stdout)).toEqual({ score: 70, band: "high" });
      expect(ran.stderr).toContain("using the build in dist/");
    },
    HEAVY_MS,
  );
});
