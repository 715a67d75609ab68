import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { SourceMap, type SourceMapPayload } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { readComponentWit } from "@ameide-ext/component-tools";
import { describe, expect, it } from "vitest";
import { buildTypeScript } from "./build-typescript.js";
import { MISSING_RUN_CODE } from "./compile-assemblyscript.js";
import { PDK_GUEST_ENTRY } from "./hook-tsconfig.js";
import { NODE_BUILTIN_CODE } from "./node-builtins.js";

function hook(source: string, parent = tmpdir()): string {
  const dir = mkdtempSync(path.join(parent, "ts-hook-"));
  mkdirSync(path.join(dir, "src"));
  const entry = path.join(dir, "src", "index.ts");
  writeFileSync(entry, source);
  return entry;
}

/**
 * Writes an npm package into the hook's `node_modules`: its package.json (name added) and its files.
 * Returns the package's folder.
 */
function writePackage(
  root: string,
  name: string,
  manifest: (pkg: string) => Record<string, unknown>,
  files: Record<string, string> = {},
): string {
  const pkg = path.join(root, "node_modules", name);
  mkdirSync(pkg, { recursive: true });
  writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name, ...manifest(pkg) }));
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(pkg, file), text);
  return pkg;
}

const DEAL = `import { fail, log, type Json } from "@ameide-ext/pdk";
interface Deal { amount: number; marginPct: number; dealId?: string }
export function run(input: Json) {
  const deal = input as unknown as Deal;
  if (typeof deal.amount !== "number") fail("INVALID_DEAL", "a deal needs an amount");
  const extra = deal.amount > 50_000 && deal.marginPct < 10;
  if (extra) log.info("deal needs an extra approval");
  return { route: extra ? "extra_approval" : "standard" };
}
`;

describe("buildTypeScript()", () => {
  // Issue #14: 134 bytes differed between two builds (QuickJS's snapshot kept the seeds and clock
  // readings of its initialisation); and the bundle named the PDK by its path from the hook's folder.
  it("builds a hook into a component of the contract world, byte-identical for the same sources, wherever they are", async () => {
    const entry = hook(DEAL);
    const a = await buildTypeScript({ entry });
    const b = await buildTypeScript({ entry: hook(DEAL, mkdtempSync(path.join(tmpdir(), "elsewhere-"))) });
    expect(b.bundle).toBe(a.bundle);
    expect(b.sha256).toBe(a.sha256);
    expect(Buffer.from(b.component).equals(Buffer.from(a.component))).toBe(true);
    expect(a.bytes).toBe(a.component.byteLength);
    expect(a.inputs).toEqual([entry, PDK_GUEST_ENTRY].sort());
    const wit = await readComponentWit(a.component);
    expect(wit).toContain("import ameide:extension/host@1.0.0;");
    expect(wit).toContain("export run: func(input-json: string) -> result<string, string>;");
    expect(wit).not.toContain("wasi:");
  }, 60_000);

  it("reports a type error at its file, line and column with invalid_argument/compile_error", async () => {
    const entry = hook(
      `export function run(input: unknown) {\n  const n: number = "three";\n  return n;\n}\n`,
    );
    const err = await buildTypeScript({ entry }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "invalid_argument", reason: "compile_error" });
    const [d] = (err as { details: { diagnostics: Array<Record<string, unknown>> } }).details.diagnostics;
    expect(d).toMatchObject({ file: entry, line: 2, column: 9, code: "TS2322" });
  }, 60_000);

  it("reports an import that cannot be resolved as a compile error", async () => {
    const entry = hook(`import { x } from "./missing";\nexport function run() { return x; }\n`);
    await expect(buildTypeScript({ entry })).rejects.toMatchObject({
      code: "invalid_argument",
      reason: "compile_error",
    });
  }, 60_000);

  it("bundles a pure-JS npm package typed by a declaration beside the entry, as the editor sees it", async () => {
    const entry = hook(`import { band } from "deal-bands";\nexport function run() { return band(70); }\n`);
    const root = path.dirname(path.dirname(entry));
    const pkg = writePackage(root, "deal-bands", () => ({ main: "index.js" }), {
      "index.js": 'exports.band = (s) => (s >= 65 ? "high" : "low");\n',
    });
    const untyped = await buildTypeScript({ entry }).catch((e: unknown) => e);
    expect(untyped).toMatchObject({
      reason: "compile_error",
      details: { diagnostics: [{ file: entry, line: 1, code: "TS7016" }] },
    });
    writeFileSync(
      path.join(path.dirname(entry), "deal-bands.d.ts"),
      'declare module "deal-bands" {\n  export function band(score: number): string;\n}\n',
    );
    const built = await buildTypeScript({ entry });
    expect(built.bundle).toContain('"high"');
    expect(built.inputs).toContain(path.join(pkg, "index.js"));
  }, 60_000);

  it("refuses an entry that is not an absolute .ts path", async () => {
    await expect(buildTypeScript({ entry: "src/index.ts" })).rejects.toMatchObject({
      code: "invalid_argument",
    });
  });
});

// Issue #10: the bundle and the type-check read the hook's own files, its npm packages and the PDK,
// nothing else. Each attack names a file outside the hook that holds a secret; the build must refuse
// with forbidden_import and never carry the secret, in the error or anywhere.
describe("buildTypeScript() reads nothing outside the hook", () => {
  const outside = mkdtempSync(path.join(tmpdir(), "ts-outside-"));
  const SECRET = `SECRET-${Math.random().toString(36).slice(2)}`;
  writeFileSync(path.join(outside, "tokens.json"), JSON.stringify({ "user:reviewer": SECRET }));
  writeFileSync(path.join(outside, "secret.txt"), `${SECRET}\n`);
  writeFileSync(
    path.join(outside, "secret.ts"),
    `export const leak = "${SECRET}";\nconst n: number = "${SECRET}";\n`,
  );
  const climb = (entry: string, file: string) =>
    path.relative(path.dirname(entry), path.join(outside, file)).split(path.sep).join("/");

  /** Builds `source` (and whatever `setup` adds) and returns the refusal, checked to carry no secret. */
  async function refusal(
    source: (entry: string) => string,
    setup: (root: string) => void = () => {},
    parent = tmpdir(),
  ) {
    const entry = hook("", parent);
    writeFileSync(entry, source(entry));
    setup(path.dirname(path.dirname(entry)));
    const err = await buildTypeScript({ entry }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(JSON.stringify(err)).not.toContain(SECRET);
    expect(String((err as Error | undefined)?.message)).not.toContain(SECRET);
    return err as { code: string; reason: string; details: { imports: string[]; diagnostics: unknown[] } };
  }

  const RUN = "\nexport function run() { return String(x); }\n";
  it.each([
    [
      "an absolute path as text",
      () => `import x from "${path.join(outside, "secret.txt")}" with { type: "text" };${RUN}`,
    ],
    ["/proc/self/environ as text", () => `import x from "/proc/self/environ" with { type: "text" };${RUN}`],
    ["/etc/passwd as a file", () => `import x from "/etc/passwd" with { type: "file" };${RUN}`],
    ["a relative climb to tokens.json", (e: string) => `import x from "${climb(e, "tokens.json")}";${RUN}`],
    ["a relative climb to a .txt file", (e: string) => `import x from "${climb(e, "secret.txt")}";${RUN}`],
    [
      "a relative climb to a module",
      (e: string) => `import { leak as x } from "${climb(e, "secret.ts")}";${RUN}`,
    ],
    ["a file: URL", () => `import x from "file://${path.join(outside, "secret.ts")}";${RUN}`],
    ["a data: URL", () => `import x from "data:text/javascript,export default 1";${RUN}`],
    [
      "a require() of an absolute path",
      () =>
        `declare const require: (p: string) => unknown;\nconst x = require("${path.join(outside, "secret.txt")}");${RUN}`,
    ],
    // esbuild expands a computed import as a glob, walking the folders it names without asking the plugin:
    // one refusal per file it found would tell the agent what the host's folders hold.
    [
      "a computed import() climbing out (a glob to esbuild)",
      (e: string) => `const n = "tokens.json";\nconst x = import(\`${climb(e, "")}/\${n}\`);${RUN}`,
    ],
    [
      "a require() of a climb joined to a variable (a glob to esbuild)",
      (e: string) =>
        `declare const require: (p: string) => unknown;\nconst n = "secret.txt";\nconst x = require(("${climb(e, "")}/" + n));${RUN}`,
    ],
  ])("refuses %s with forbidden_import", async (_name, source) => {
    const err = await refusal(source);
    expect(err).toMatchObject({ code: "invalid_argument", reason: "forbidden_import" });
    expect(err.details.diagnostics).toEqual([expect.objectContaining({ line: expect.any(Number) })]);
  });

  // Refused before esbuild parses the module, so it never walks the folders: a refusal that came from what
  // the walk found (or did not) would tell the agent which host files exist.
  it.each([
    ["a template", (dir: string) => `\`${dir}/\${n}\``],
    ["strings joined with +", (dir: string) => `"${dir}/" + n`],
    ["a template in a branch of a ?:", (dir: string) => `c ? \`${dir}/\${n}\` : "./none"`],
  ])("refuses a computed import of %s as such, whatever the folder it names holds", async (_n, arg) => {
    const messages: string[] = [];
    for (const file of ["tokens.json", "absent-file"]) {
      const err = await refusal(
        (e) =>
          `declare const c: boolean;\nconst n = "${file}";\nconst x = import(${arg(climb(e, ""))});${RUN}`,
      );
      expect(err).toMatchObject({ code: "invalid_argument", reason: "forbidden_import" });
      messages.push(...err.details.diagnostics.map((d) => (d as { message: string }).message));
    }
    expect(messages).toHaveLength(2);
    expect(messages[0]).toContain("a computed import() or require()");
    expect(messages[1]).toBe(messages[0]);
  });

  it("refuses a symlink inside the hook that points out of it", async () => {
    const err = await refusal(
      () => `import { leak as x } from "./link";${RUN}`,
      (root) => symlinkSync(path.join(outside, "secret.ts"), path.join(root, "src", "link.ts")),
    );
    expect(err).toMatchObject({ code: "invalid_argument", reason: "forbidden_import" });
  });

  it("refuses import attributes other than JSON, even of the hook's own files", async () => {
    const err = await refusal(
      () => `import x from "./data.txt" with { type: "text" };${RUN}`,
      (root) => writeFileSync(path.join(root, "src", "data.txt"), "own text\n"),
    );
    expect(err).toMatchObject({ code: "invalid_argument", reason: "forbidden_import" });
  });

  it("refuses an npm package found above the hook's folder, and one its package.json does not declare", async () => {
    // esbuild, like Node, would look in node_modules above the hook (in the registry: its own packages).
    const above = path.join(outside, "node_modules", "above");
    mkdirSync(above, { recursive: true });
    writeFileSync(path.join(above, "index.js"), `exports.leak = ${JSON.stringify(SECRET)};\n`);
    const found = await refusal(() => `import * as x from "above";${RUN}`, undefined, outside);
    expect(found).toMatchObject({ code: "invalid_argument", reason: "forbidden_import" });
    const undeclared = await refusal(
      () => `import * as x from "deal-bands";${RUN}`,
      (root) => {
        writePackage(root, "deal-bands", () => ({ main: "index.js" }), { "index.js": "exports.band = 1;\n" });
        writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "hook", dependencies: {} }));
      },
    );
    expect(undeclared).toMatchObject({ code: "invalid_argument", reason: "forbidden_import" });
  });

  it("refuses a package whose files resolve out of the hook's node_modules", async () => {
    const err = await refusal(
      () => `import * as x from "leaky";${RUN}`,
      (root) => {
        writePackage(root, "leaky", (pkg) => ({ main: path.relative(pkg, path.join(outside, "secret.ts")) }));
      },
    );
    expect(err).toMatchObject({ code: "invalid_argument", reason: "forbidden_import" });
  });

  // A refusal that comes only once esbuild found the file, and "Could not resolve" otherwise, tells the
  // agent which host files exist (/root/.ssh/id_rsa, another compile's folder, the stack's tokens.json).
  it("refuses a climb out of the hook alike whether its target exists or not (no oracle of the host's files)", async () => {
    const outcome = async (source: (e: string) => string, setup?: (root: string) => void) => {
      const err = await refusal(source, setup);
      return {
        code: err.code,
        reason: err.reason,
        why: (err.details.diagnostics[0] as { message: string }).message,
      };
    };
    const relative = (file: string) => outcome((e) => `import x from "${climb(e, file)}";${RUN}`);
    const byMain = (file: string) =>
      outcome(
        () => `import * as x from "leaky";${RUN}`,
        (root) => {
          writePackage(root, "leaky", (pkg) => ({ main: path.relative(pkg, path.join(outside, file)) }));
        },
      );
    const [there, absent] = [await relative("tokens.json"), await relative("absent.json")];
    expect(there).toMatchObject({ code: "invalid_argument", reason: "forbidden_import" });
    expect(absent).toEqual({ ...there, why: there.why.replace("tokens.json", "absent.json") });
    const [mainThere, mainAbsent] = [await byMain("secret.ts"), await byMain("absent.ts")];
    expect(mainThere).toMatchObject({ code: "invalid_argument", reason: "forbidden_import" });
    expect(mainAbsent).toEqual(mainThere);
  });

  it("ignores the hook's tsconfig.json: its paths cannot map an import out of the hook", async () => {
    const err = await refusal(
      () => `import { leak as x } from "secrets";${RUN}`,
      (root) =>
        writeFileSync(
          path.join(root, "tsconfig.json"),
          JSON.stringify({
            compilerOptions: { baseUrl: ".", paths: { secrets: [path.join(outside, "secret.ts")] } },
          }),
        ),
    );
    expect(err).toMatchObject({ code: "invalid_argument" });
  });

  it("refuses a /// <reference path> out of the hook before the type-checker reads it", async () => {
    const err = await refusal((e) => `/// <reference path="${climb(e, "secret.ts")}" />\nconst x = 1;${RUN}`);
    expect(err).toMatchObject({ code: "invalid_argument", reason: "forbidden_import" });
  });

  it("still builds a hook with its own modules, a JSON file of its own and a declared npm package", async () => {
    const entry = hook(
      [
        'import { band } from "deal-bands";',
        'import { limit } from "./rules/limit";',
        'import table from "../data/table.json" with { type: "json" };',
        "export function run() { return { band: band(limit), size: table.size }; }",
        "",
      ].join("\n"),
    );
    const root = path.dirname(path.dirname(entry));
    mkdirSync(path.join(root, "src", "rules"));
    writeFileSync(path.join(root, "src", "rules", "limit.ts"), "export const limit = 70;\n");
    mkdirSync(path.join(root, "data"));
    writeFileSync(path.join(root, "data", "table.json"), JSON.stringify({ size: 3 }));
    writeFileSync(
      path.join(root, "package.json"),
      JSON.stringify({ name: "h", dependencies: { "deal-bands": "1.0.0" } }),
    );
    writePackage(root, "deal-bands", () => ({ main: "index.js", types: "index.d.ts" }), {
      "index.js": 'exports.band = (s) => (s >= 65 ? "high" : "low");\n',
      "index.d.ts": "export declare function band(s: number): string;\n",
    });
    const built = await buildTypeScript({ entry });
    expect(built.bundle).toContain('"high"');
    expect(built.inputs).toContain(path.join(root, "data", "table.json"));
  }, 60_000);
});

// Issue #14: what an agent trips on should name its own file and the fix, never the build's internals.
describe("buildTypeScript() diagnostics name the hook's code", () => {
  type Refusal = { code: string; reason: string; details: { diagnostics: Array<Record<string, unknown>> } };
  const refusal = async (source: string, setup: (root: string) => void = () => {}) => {
    const entry = hook(source);
    setup(path.dirname(path.dirname(entry)));
    const err = (await buildTypeScript({ entry }).then(
      () => undefined,
      (e: unknown) => e,
    )) as (Refusal & Error) | undefined;
    return { entry, err, diagnostics: err?.details?.diagnostics ?? [] };
  };

  it.each([
    ["a module without run", "export function runx(input: unknown) { return input; }\n", 1, 1],
    ["a run that is not exported", "const x = 1;\nfunction run(input: unknown) { return x; }\n", 2, 10],
    ["a default export", "export default function run(input: unknown) { return input; }\n", 1, 25],
  ])(
    "blames src/index.ts for %s, with PDK1 and the signature to write",
    async (_name, source, line, column) => {
      const { entry, err, diagnostics } = await refusal(source);
      expect(err).toMatchObject({ code: "invalid_argument", reason: "compile_error" });
      expect(diagnostics).toEqual([
        expect.objectContaining({ file: entry, line, column, code: MISSING_RUN_CODE, severity: "error" }),
      ]);
      expect(diagnostics[0]?.message).toContain("export function run(input");
      expect(err?.message).toMatch(/^src\/index\.ts:\d+:\d+ error PDK1: /);
      expect(err?.message).not.toContain("__ameide_hook_entry__");
    },
  );

  it.each([
    [
      '"node:fs"',
      'import { readFileSync } from "node:fs";\nexport function run() { return readFileSync("a"); }\n',
      30,
    ],
    ['"fs"', 'import { readFileSync } from "fs";\nexport function run() { return readFileSync("a"); }\n', 30],
    [
      '"fs/promises"',
      'import * as fs from "fs/promises";\nexport function run() { return String(fs); }\n',
      21,
    ],
    [
      'require("node:path")',
      'declare const require: (s: string) => unknown;\nconst p = require("node:path");\nexport function run() { return String(p); }\n',
      19,
    ],
  ])("refuses %s as a Node built-in, at the import, with NODE_BUILTIN_CODE", async (spec, source, column) => {
    const { entry, err, diagnostics } = await refusal(source);
    expect(err).toMatchObject({ code: "invalid_argument", reason: "forbidden_import" });
    const line = source.split("\n").findIndex((l) => l.includes(spec.replace(/^require\(|\)$/g, ""))) + 1;
    expect(diagnostics).toEqual([
      expect.objectContaining({ file: entry, line, column, code: NODE_BUILTIN_CODE }),
    ]);
    expect(diagnostics[0]?.message).toContain("Node built-ins do not exist in hooks");
    expect(err?.message).not.toContain("@types/node");
  });

  it("bundles an npm package named like a Node built-in when the hook declares it", async () => {
    const { err } = await refusal(
      'import { band } from "events";\nexport function run() { return band(1); }\n',
      (root) => {
        writePackage(root, "events", () => ({ main: "index.js", types: "index.d.ts" }), {
          "index.js": "exports.band = (n) => n + 1;\n",
          "index.d.ts": "export declare function band(n: number): number;\n",
        });
        writeFileSync(
          path.join(root, "package.json"),
          JSON.stringify({ name: "h", dependencies: { events: "3.3.0" } }),
        );
      },
    );
    expect(err).toBeUndefined();
  });

  it("says Node globals do not exist in hooks instead of tsc's advice to install @types/node", async () => {
    const { entry, err, diagnostics } = await refusal(
      "export function run() {\n  return process.env.HOME ?? Buffer.from('x');\n}\n",
    );
    expect(err).toMatchObject({ code: "invalid_argument", reason: "compile_error" });
    expect(diagnostics).toEqual([
      expect.objectContaining({ file: entry, line: 2, column: 10, code: NODE_BUILTIN_CODE }),
      expect.objectContaining({ file: entry, line: 2, column: 30, code: NODE_BUILTIN_CODE }),
    ]);
    for (const d of diagnostics) expect(d.message).toContain("Node built-ins do not exist in hooks");
    expect(err?.message).not.toContain("@types/node");
  });
});

// Issue #14: a thrown error's stack named /hook.js:2286:35; the build ships the map back to the hook's sources.
describe("buildTypeScript() source map", () => {
  it("maps the bundle back to src/ by paths relative to the hook, the build's own wrapper in ignoreList", async () => {
    const entry = hook(
      `import { log } from "@ameide-ext/pdk";\nexport function run(input: { n: number }) {\n  log.info("n");\n  if (input.n === 13) throw new TypeError("unlucky");\n  return input.n;\n}\n`,
    );
    const built = await buildTypeScript({ entry });
    const map = JSON.parse(built.sourceMap) as {
      version: number;
      sources: string[];
      ignoreList: number[];
      sourcesContent?: unknown;
    };
    expect(map.version).toBe(3);
    expect(map.sourcesContent).toBeUndefined();
    expect([...map.sources].sort()).toEqual(
      ["src/index.ts", "@ameide-ext/pdk/guest/index.ts", "__ameide_hook_entry__.js"].sort(),
    );
    expect(map.ignoreList.map((i) => map.sources[i]).sort()).toEqual(
      ["@ameide-ext/pdk/guest/index.ts", "__ameide_hook_entry__.js"].sort(),
    );
    // The bundle's `throw new TypeError` is line 4, column 23 of src/index.ts (1-based).
    const lines = built.bundle.split("\n");
    const line = lines.findIndex((l) => l.includes('new TypeError("unlucky")'));
    const column = (lines[line] as string).indexOf("throw");
    expect(new SourceMap(map as unknown as SourceMapPayload).findEntry(line, column)).toMatchObject({
      originalSource: "src/index.ts",
      originalLine: 3,
      originalColumn: 22,
    });
    expect(built.bundle).not.toContain("sourceMappingURL");
  }, 60_000);
});
