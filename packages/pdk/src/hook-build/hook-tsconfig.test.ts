import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { createHookTsconfig, PDK_GUEST_DIR, PDK_GUEST_ENTRY, PDK_GUEST_HOST_TYPES } from "./hook-tsconfig.js";

/** What an editor reports for the hook in `dir`, reading its tsconfig.json as tsc -p does. */
function editorErrors(dir: string): Array<{ file: string; line: number; code: number }> {
  const file = path.join(dir, "tsconfig.json");
  const config = ts.readConfigFile(file, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, dir);
  expect(parsed.errors).toEqual([]);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  return ts.getPreEmitDiagnostics(program).map((d) => ({
    file: d.file?.fileName ?? "",
    line: d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0,
    code: d.code,
  }));
}

function hook(source: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "ts-hook-config-"));
  mkdirSync(path.join(dir, "src"));
  writeFileSync(path.join(dir, "src", "index.ts"), source);
  writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(createHookTsconfig(dir), null, 2));
  return dir;
}

describe("createHookTsconfig()", () => {
  it("lets an editor resolve @ameide-ext/pdk to the guest PDK, with no error in a good hook", () => {
    const dir = hook(
      'import { fail, host, log, type Json } from "@ameide-ext/pdk";\n' +
        "export function run(input: Json) {\n" +
        '  if (input === null) fail("EMPTY", "no input");\n' +
        '  log.info("ok");\n' +
        '  const r = host.call<{ churnRisk: number }>("crm", "Get", { id: "A-1" });\n' +
        "  return r.ok ? r.value.churnRisk : 0;\n" +
        "}\n",
    );
    expect(editorErrors(dir)).toEqual([]);
  });

  it("shows an editor the type errors the build reports, and no DOM or Node globals", () => {
    const dir = hook(
      'import { log } from "@ameide-ext/pdk";\n' +
        "export function run() {\n" +
        "  log.info(42);\n" +
        "  return document.title + process.env.HOME;\n" +
        "}\n",
    );
    const entry = path.join(dir, "src", "index.ts");
    expect(editorErrors(dir)).toEqual([
      { file: entry, line: 3, code: 2345 },
      { file: entry, line: 4, code: 2584 },
      { file: entry, line: 4, code: 2591 },
    ]);
  });

  it("points at the guest PDK by a relative path, or an absolute one when only the root is shared", () => {
    const near = createHookTsconfig(path.join(PDK_GUEST_DIR, "..", "hooks", "deal"));
    expect(near.compilerOptions.paths).toEqual({ "@ameide-ext/pdk": ["../../guest/index.ts"] });
    expect(near.include).toEqual(["src", "../../guest/host.d.ts"]);
    const far = createHookTsconfig(path.join(path.parse(PDK_GUEST_DIR).root, "zz-elsewhere", "deal"));
    expect(far.compilerOptions.paths).toEqual({ "@ameide-ext/pdk": [PDK_GUEST_ENTRY] });
    expect(far.include).toEqual(["src", PDK_GUEST_HOST_TYPES]);
  });
});
