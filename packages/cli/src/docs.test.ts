import { readFileSync } from "node:fs";
import { DEFAULT_LIMITS, LIMIT_BOUNDS } from "@ameide-ext/contract";
import { describe, expect, it } from "vitest";
import { createProgram } from "./cli.js";
import { EXIT_CODES } from "./exit-code.js";
import { OUTPUT_SCHEMAS } from "./report/output-schemas.js";
import { createCapturedDeps } from "./testing/cli-process.js";

// docs/cli.md is the CLI's reference: these tests keep it equal to the code.
const doc = readFileSync(new URL("../../../docs/cli.md", import.meta.url), "utf8");

describe("docs/cli.md", () => {
  it("quotes the schema of every --json document exactly", () => {
    const quoted = new Map<string, unknown>();
    for (const m of doc.matchAll(/<!-- schema: (\w+) -->\n```json\n([\s\S]*?)```/g)) {
      quoted.set(m[1] ?? "", JSON.parse(m[2] ?? ""));
    }
    expect([...quoted.keys()].sort()).toEqual(Object.keys(OUTPUT_SCHEMAS).sort());
    for (const [name, schema] of Object.entries(OUTPUT_SCHEMAS))
      expect(quoted.get(name), name).toEqual(schema);
  });

  it("documents every command and every flag", () => {
    const program = createProgram({ deps: createCapturedDeps({ cwd: "/" }).deps, setExit: () => {} });
    for (const command of program.commands) {
      const section = doc.split(`### \`${command.name()}\``)[1]?.split("\n## ")[0];
      expect(section, `a section for ${command.name()}`).toBeDefined();
      for (const option of command.options) {
        const flag = option.long ?? "";
        if (flag === "--json") continue;
        expect(section, `${command.name()} ${flag}`).toContain(flag);
      }
    }
  });

  it("states each limit's default and bounds as the contract does", () => {
    const rows: Array<[string, keyof typeof DEFAULT_LIMITS]> = [
      ["cpu_millis", "cpuMillis"],
      ["memory_mb", "memoryMb"],
      ["timeout_ms", "timeoutMs"],
    ];
    for (const [field, key] of rows) {
      const { min, max } = LIMIT_BOUNDS[key];
      expect(doc).toContain(`| \`limits.${field}\` | integer | ${DEFAULT_LIMITS[key]} | ${min}..${max}`);
    }
  });

  it("lists the exit codes", () => {
    for (const code of Object.values(EXIT_CODES)) expect(doc).toMatch(new RegExp(`^\\| ${code} \\| `, "m"));
  });
});
