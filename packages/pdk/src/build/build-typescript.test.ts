import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildTypeScript } from "./build-typescript.js";
import { PDK_GUEST_ENTRY } from "./hook-tsconfig.js";
import { readComponentWit } from "./jco.js";

function hook(source: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "ts-hook-"));
  mkdirSync(path.join(dir, "src"));
  const entry = path.join(dir, "src", "index.ts");
  writeFileSync(entry, source);
  return entry;
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
  // The bundle is reproducible; the component is not quite: componentize-qjs snapshots QuickJS
  // after initialisation, and a small part of that state (seeds) differs from build to build.
  it("builds a hook into a component of the contract world, from the same bundle twice", async () => {
    const entry = hook(DEAL);
    const a = await buildTypeScript({ entry });
    const b = await buildTypeScript({ entry });
    expect(a.bundle).toBe(b.bundle);
    expect(a.bytes).toBe(b.bytes);
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
    const pkg = path.join(root, "node_modules", "deal-bands");
    mkdirSync(pkg, { recursive: true });
    writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "deal-bands", main: "index.js" }));
    writeFileSync(path.join(pkg, "index.js"), 'exports.band = (s) => (s >= 65 ? "high" : "low");\n');
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
