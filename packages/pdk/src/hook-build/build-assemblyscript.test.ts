import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { readComponentWit } from "@ameide-ext/component-tools";
import { HOST_INTERFACE, isExtensionError } from "@ameide-ext/contract";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ECHO_HOOK, type HookFolder, RICH_HOOK, writeHookFolder } from "../testing/hook-fixtures.js";
import { type CoreSignature, readCoreAbi } from "../testing/read-core-abi.js";
import { type AssemblyScriptBuild, buildAssemblyScript } from "./build-assemblyscript.js";
import type { BuildDiagnostic } from "./build-diagnostic.js";
import { MISSING_RUN_CODE } from "./compile-assemblyscript.js";

const LOG: CoreSignature = { params: ["i32", "i32", "i32", "i32"], results: [] };
const CALL: CoreSignature = { params: ["i32", "i32", "i32", "i32", "i32", "i32", "i32"], results: [] };

const folders: HookFolder[] = [];
function hook(source: string, extra: Record<string, string> = {}): HookFolder {
  const folder = writeHookFolder({ "src/index.ts": source, ...extra });
  folders.push(folder);
  return folder;
}
afterAll(() => {
  for (const folder of folders) folder.remove();
});

/** Builds `source` and returns the error it throws, checked to be an ExtensionError. */
async function buildError(source: string) {
  const folder = hook(source);
  const error = await buildAssemblyScript({ entry: folder.entry }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isExtensionError(error)) throw new Error(`expected an ExtensionError, got ${String(error)}`);
  return { error, entry: folder.entry };
}

function diagnosticsOf(error: { details: Record<string, unknown> | undefined }): BuildDiagnostic[] {
  return (error.details?.diagnostics ?? []) as BuildDiagnostic[];
}

describe("buildAssemblyScript()", () => {
  let echo: AssemblyScriptBuild;
  let rich: AssemblyScriptBuild;
  let echoFolder: HookFolder;

  beforeAll(async () => {
    echoFolder = hook(ECHO_HOOK);
    [echo, rich] = await Promise.all([
      buildAssemblyScript({ entry: echoFolder.entry }),
      buildAssemblyScript({ entry: hook(RICH_HOOK).entry }),
    ]);
  });

  it("builds a component of the contract world from the minimal hook", async () => {
    const wit = await readComponentWit(echo.component);
    const statements = wit
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line.startsWith("import ") || line.startsWith("export "));
    expect(statements).toEqual([
      `import ${HOST_INTERFACE};`,
      "export run: func(input-json: string) -> result<string, string>;",
    ]);
  });

  it("gives the same world to a hook that uses the whole PDK", async () => {
    expect(await readComponentWit(rich.component)).toBe(await readComponentWit(echo.component));
  });

  it("describes the build: sha256 and size of the component", () => {
    expect(echo.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(echo.bytes).toBe(echo.component.byteLength);
    expect(echo.durationMs).toBeGreaterThan(0);
    expect(echo.warnings).toEqual([]);
  });

  it("exports exactly the canonical ABI from the core module", () => {
    for (const core of [echo.core, rich.core]) {
      const abi = readCoreAbi(core);
      expect(
        abi.exports.map(({ name, kind, signature }) => ({ name, kind, signature })).sort(byName),
      ).toEqual([
        { name: "cabi_post_run", kind: "func", signature: { params: ["i32"], results: [] } },
        {
          name: "cabi_realloc",
          kind: "func",
          signature: { params: ["i32", "i32", "i32", "i32"], results: ["i32"] },
        },
        { name: "memory", kind: "memory", signature: undefined },
        { name: "run", kind: "func", signature: { params: ["i32", "i32"], results: ["i32"] } },
      ]);
      expect(WebAssembly.Module.exports(new WebAssembly.Module(new Uint8Array(core))).length).toBe(4);
    }
  });

  it("imports host.log and host.call with the lowered signatures, and nothing else", () => {
    const imports = readCoreAbi(rich.core).imports.map(({ module, name, kind, signature }) => ({
      module,
      name,
      kind,
      signature,
    }));
    expect(imports.sort(byName)).toEqual([
      { module: HOST_INTERFACE, name: "call", kind: "func", signature: CALL },
      { module: HOST_INTERFACE, name: "log", kind: "func", signature: LOG },
    ]);
    expect(WebAssembly.Module.imports(new WebAssembly.Module(new Uint8Array(rich.core)))).toEqual([
      { module: HOST_INTERFACE, name: "log", kind: "function" },
      { module: HOST_INTERFACE, name: "call", kind: "function" },
    ]);
  });

  it("imports only what the hook uses: the echo hook needs host.log alone (for abort)", () => {
    const imports = readCoreAbi(echo.core).imports.map(({ module, name, signature }) => ({
      module,
      name,
      signature,
    }));
    expect(imports).toEqual([{ module: HOST_INTERFACE, name: "log", signature: LOG }]);
  });

  it("declares one page of memory, with no maximum", () => {
    expect(readCoreAbi(echo.core).memory).toEqual({ initial: 1, maximum: undefined });
    expect(readCoreAbi(rich.core).memory).toEqual({ initial: 1, maximum: undefined });
  });

  it("gives byte-identical output for the same sources, wherever they are", async () => {
    const again = await buildAssemblyScript({ entry: hook(ECHO_HOOK).entry });
    expect(again.sha256).toBe(echo.sha256);
    expect(Buffer.from(again.component).equals(Buffer.from(echo.component))).toBe(true);
    expect(Buffer.from(again.core).equals(Buffer.from(echo.core))).toBe(true);
  });

  it("resolves the hook's own relative imports", async () => {
    const folder = hook(
      `import { double } from "./math";\nexport function run(input: string): string {\n  return double(input);\n}\n`,
      { "src/math.ts": `export function double(text: string): string {\n  return text + text;\n}\n` },
    );
    const build = await buildAssemblyScript({ entry: folder.entry, optimize: false });
    expect(readCoreAbi(build.core).exports.map((e) => e.name)).toContain("run");
  });

  it("reports a type error with its file, line, column and source line", async () => {
    const { error, entry } = await buildError(
      `export function run(input: string): string {\n  const x: i32 = "nope";\n  return input;\n}\n`,
    );
    expect(error.code).toBe("invalid_argument");
    expect(error.reason).toBe("compile_error");
    expect(diagnosticsOf(error)).toEqual([
      {
        file: entry,
        line: 2,
        column: 18,
        message: expect.any(String),
        code: "TS2322",
        severity: "error",
        sourceLine: '  const x: i32 = "nope";',
        length: 6,
      },
    ]);
    expect(error.message.split("\n")).toEqual([
      expect.stringMatching(/^src\/index\.ts:2:18 error TS2322: /),
      '    const x: i32 = "nope";',
      "                   ^~~~~~",
    ]);
  });

  it("reports a syntax error", async () => {
    const { error, entry } = await buildError(
      `export function run(input: string): string {\n  return input\n`,
    );
    expect(error.reason).toBe("compile_error");
    expect(diagnosticsOf(error)[0]).toMatchObject({
      file: entry,
      line: 2,
      code: "TS1126",
      severity: "error",
    });
  });

  it("blames a hook without a `run` export on the hook's file", async () => {
    const { error, entry } = await buildError(
      `export function walk(input: string): string {\n  return input;\n}\n`,
    );
    expect(error.code).toBe("invalid_argument");
    expect(error.reason).toBe("compile_error");
    expect(diagnosticsOf(error)).toEqual([
      expect.objectContaining({ file: entry, line: 1, column: 1, code: MISSING_RUN_CODE, severity: "error" }),
    ]);
  });

  it("points at `run` when it is not exported or has the wrong signature", async () => {
    const cases = [
      { source: `function run(input: string): string {\n  return input;\n}\n`, line: 1, column: 10 },
      {
        source: `// a hook\nexport function run(input: string): i32 {\n  return 1;\n}\n`,
        line: 2,
        column: 17,
      },
      { source: `export function run(input: i32): string {\n  return "";\n}\n`, line: 1, column: 17 },
      {
        source: `export function run(input: string, extra: i32): string {\n  return input;\n}\n`,
        line: 1,
        column: 17,
      },
    ];
    const results = await Promise.all(cases.map(({ source }) => buildError(source)));
    results.forEach(({ error, entry }, i) => {
      expect(error.code).toBe("invalid_argument");
      expect(error.reason).toBe("compile_error");
      expect(diagnosticsOf(error)).toEqual([
        expect.objectContaining({
          file: entry,
          line: cases[i]?.line,
          column: cases[i]?.column,
          code: MISSING_RUN_CODE,
        }),
      ]);
    });
  });

  it("refuses APIs the contract does not offer, naming the import", async () => {
    const { error } = await buildError(
      `export function run(input: string): string {\n  return Math.random() > 0.5 ? input : "{}";\n}\n`,
    );
    expect(error.code).toBe("invalid_argument");
    expect(error.reason).toBe("forbidden_import");
    expect(error.details).toEqual({ imports: ["env#seed"] });
  });

  it("refuses an entry that is not an absolute path to an existing .ts file inside rootDir", async () => {
    const attempts = [
      { entry: "src/index.ts" },
      { entry: `${echoFolder.dir}/src/missing.ts` },
      { entry: echoFolder.entry, rootDir: `${echoFolder.dir}/elsewhere` },
      { entry: echoFolder.entry, rootDir: "relative/dir" },
    ];
    for (const options of attempts) {
      await expect(buildAssemblyScript(options)).rejects.toMatchObject({
        name: "ExtensionError",
        code: "invalid_argument",
      });
    }
  });
});

// Issue #10: asc reads the hook's own files, its declared packages in its own node_modules, the PDK and
// asc's standard library, nothing else. Each attack names a file outside the hook holding a secret (with a
// type error, so a compile of it would quote the line): the build must refuse with forbidden_import, name
// the import at its file and line, and carry none of the secret.
describe("buildAssemblyScript() reads nothing outside the hook", () => {
  const outside = mkdtempSync(path.join(tmpdir(), "as-outside-"));
  const SECRET = `SECRET-${Math.random().toString(36).slice(2)}`;
  const SECRET_MODULE = `export const leak: i32 = "${SECRET}";\n`;
  writeFileSync(path.join(outside, "secret.ts"), SECRET_MODULE);
  const RUN = "\nexport function run(input: string): string {\n  return input;\n}\n";
  const secretFrom = (dir: string) =>
    path.relative(dir, path.join(outside, "secret")).split(path.sep).join("/");

  /** Writes a hook under `parent` whose `src/index.ts` is `source(srcDir)`, builds it, returns the refusal. */
  async function refusal(
    source: (srcDir: string) => string,
    setup: (root: string) => void = () => {},
    parent = tmpdir(),
  ) {
    const root = mkdtempSync(path.join(parent, "as-hook-"));
    const entry = path.join(root, "src", "index.ts");
    mkdirSync(path.dirname(entry));
    writeFileSync(entry, source(path.dirname(entry)));
    setup(root);
    const err = await buildAssemblyScript({ entry, optimize: false }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(String(JSON.stringify(err))).not.toContain(SECRET);
    expect(String((err as Error | undefined)?.message)).not.toContain(SECRET);
    expect(String(JSON.stringify(err))).not.toContain("root:x:0:0");
    return { err: err as { code: string; reason: string; details: Record<string, unknown> }, entry };
  }

  function expectRefused(
    { err, entry }: Awaited<ReturnType<typeof refusal>>,
    specifier: string,
    line = 1,
  ): void {
    expect(err).toMatchObject({ code: "invalid_argument", reason: "forbidden_import" });
    expect(err.details.imports).toEqual([specifier]);
    expect(diagnosticsOf(err)).toEqual([
      expect.objectContaining({ file: entry, line, code: "PDK2", severity: "error" }),
    ]);
  }

  it.each([
    ["/etc/passwd", () => "/etc/passwd"],
    ["an absolute path", () => path.join(outside, "secret")],
    ["a relative climb out of the hook", (src: string) => secretFrom(src)],
    ["../../x", () => "../../x"],
    ["a ~lib/../../.. climb", (src: string) => `~lib/../${secretFrom(src)}`],
    // asc folds a package's `..` segments into a ~lib/.. climb, which it reports without the import's place.
    ["a package path that climbs out", (src: string) => `deal-bands/../../${secretFrom(src)}`],
    ["a PDK path that climbs out", (src: string) => `@ameide-ext/pdk/../../../${secretFrom(src)}`],
  ])("refuses %s with forbidden_import at its file and line", async (_name, specifier) => {
    let spec = "";
    const refused = await refusal((src) => {
      spec = specifier(src);
      return `// a hook\nimport { leak } from ${JSON.stringify(spec)};${RUN}`;
    });
    expectRefused(refused, spec, 2);
  });

  it("refuses a symlink inside the hook that points out of it", async () => {
    const refused = await refusal(
      () => `import { leak } from "./link";${RUN}`,
      (root) => symlinkSync(path.join(outside, "secret.ts"), path.join(root, "src", "link.ts")),
    );
    expectRefused(refused, "./link");
  });

  it("refuses a package found in a node_modules above the hook's folder", async () => {
    const above = path.join(outside, "node_modules", "above");
    mkdirSync(above, { recursive: true });
    writeFileSync(path.join(above, "index.ts"), SECRET_MODULE);
    const refused = await refusal(() => `import { leak } from "above";${RUN}`, undefined, outside);
    expectRefused(refused, "above");
  });

  it("refuses a package of the hook's node_modules that its package.json does not declare", async () => {
    const refused = await refusal(
      () => `import { leak } from "bands";${RUN}`,
      (root) => {
        mkdirSync(path.join(root, "node_modules", "bands"), { recursive: true });
        writeFileSync(path.join(root, "node_modules", "bands", "index.ts"), "export const leak = 1;\n");
        writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "h", dependencies: {} }));
      },
    );
    expectRefused(refused, "bands");
  });

  it("refuses a hook module that is itself a symlink out of the folder", async () => {
    const { err } = await refusal(
      () => RUN,
      (root) => {
        const entry = path.join(root, "src", "index.ts");
        rmSync(entry);
        symlinkSync(path.join(outside, "secret.ts"), entry);
      },
    );
    expect(err).toMatchObject({ code: "invalid_argument", reason: "forbidden_import" });
  });

  it("still reports a missing file or package of the hook's own as a compile error, not a refusal", async () => {
    for (const spec of ["./missing", "not-installed"]) {
      const { err } = await refusal(
        () => `import { leak } from "${spec}";${RUN}`,
        (root) =>
          writeFileSync(
            path.join(root, "package.json"),
            JSON.stringify({ name: "h", dependencies: { "not-installed": "1.0.0" } }),
          ),
      );
      expect(err).toMatchObject({ code: "invalid_argument", reason: "compile_error" });
    }
  });

  it("still builds a hook with its own modules, a declared package and the PDK", async () => {
    const folder = hook(
      [
        'import { log } from "@ameide-ext/pdk";',
        'import { band } from "bands";',
        'import { limit } from "./rules/limit";',
        "export function run(input: string): string {",
        '  log.info("banding");',
        "  return band(limit) + input;",
        "}",
        "",
      ].join("\n"),
      {
        "src/rules/limit.ts": "export const limit: i32 = 70;\n",
        "package.json": JSON.stringify({ name: "h", dependencies: { bands: "1.0.0" } }),
        "node_modules/bands/index.ts":
          'export function band(score: i32): string {\n  return score >= 65 ? "high" : "low";\n}\n',
      },
    );
    const build = await buildAssemblyScript({ entry: folder.entry, optimize: false });
    expect(readCoreAbi(build.core).exports.map((e) => e.name)).toContain("run");
  });
});

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
