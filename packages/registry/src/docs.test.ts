import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { APPROVALS_REQUIRED, RULES } from "./domain/governance.js";

// docs/registry.md is the registry's reference: these tests keep it equal to the code.
const doc = readFileSync(new URL("../../../docs/registry.md", import.meta.url), "utf8");

describe("docs/registry.md", () => {
  it("names every governance rule in the rules table", () => {
    for (const rule of [...Object.values(RULES), "unauthenticated"])
      expect(doc, rule).toMatch(new RegExp(`^\\| \`${rule}\` \\|`, "m"));
  });

  it("states the approvals each tier needs per environment", () => {
    for (const [tier, envs] of Object.entries(APPROVALS_REQUIRED)) {
      const row = doc.split("\n").find((l) => l.startsWith(`| ${tier} |`)) ?? "";
      const cells = row.split("|").map((c) => c.trim());
      expect(Number.parseInt(cells[2] ?? "", 10), `${tier} dev`).toBe(envs.dev);
      expect(Number.parseInt(cells[3] ?? "", 10), `${tier} staging`).toBe(envs.staging);
      expect(Number.parseInt(cells[4] ?? "", 10), `${tier} prod`).toBe(envs.prod);
    }
  });

  it('maps the package\'s source files in "The code", every one of them existing', () => {
    const section = doc.split(/^## The code$/m)[1]?.split(/^## /m)[0] ?? "";
    const named = [...section.matchAll(/^(src\/\S+\.ts)\s/gm)].map((m) => m[1] as string);
    expect(named).toContain("src/domain/create-registry.ts");
    for (const file of named) expect(existsSync(new URL(`../${file}`, import.meta.url)), file).toBe(true);
  });
});
