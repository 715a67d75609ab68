import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  COST_MODEL,
  DEFAULT_HOST_CALLS_PER_INVOCATION,
  DEFAULT_LIMITS,
  DEFAULT_SIZE_LIMITS,
  FUEL_PER_CPU_MILLI,
  FUEL_PER_HOST_BYTE,
  LIMIT_BOUNDS,
  MAX_HOST_CALLS_PER_INVOCATION,
  MAX_LINKED_MODULES,
  MODULE_SHAPE_CAPS,
  RESTORE_FREE_BYTES,
  readContractWit,
  TABLE_ENTRY_BYTES,
  tableEntryBudget,
} from "./index.js";

const doc = readFileSync(new URL("../CONTRACT.md", import.meta.url), "utf8");
const kib = (n: number) => (n >= 1024 * 1024 ? `${n / (1024 * 1024)} MiB` : `${n / 1024} KiB`);

describe("CONTRACT.md", () => {
  it("quotes the WIT world of wit/extension.wit", () => {
    const code = (s: string) =>
      s
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "" && !l.startsWith("///") && !l.startsWith("//"));
    const block = /```wit\n([\s\S]*?)```/.exec(doc)?.[1] ?? "";
    expect(code(block)).toEqual(code(readContractWit()));
  });

  it("states every per-extension limit with its default and bounds", () => {
    const rows: Array<[string, keyof typeof DEFAULT_LIMITS]> = [
      ["cpu_millis", "cpuMillis"],
      ["memory_mb", "memoryMb"],
      ["timeout_ms", "timeoutMs"],
    ];
    for (const [field, key] of rows) {
      const { min, max } = LIMIT_BOUNDS[key];
      expect(doc).toContain(`| \`${field}\` | ${DEFAULT_LIMITS[key]} | ${min}..${max} |`);
    }
    expect(doc).toContain(`\`FUEL_PER_CPU_MILLI\` = ${FUEL_PER_CPU_MILLI} instructions`);
    expect(doc).toContain(`\`RESTORE_FREE_BYTES\` = ${RESTORE_FREE_BYTES} bytes`);
    expect(doc).toContain(`\`FUEL_PER_HOST_BYTE\` = ${FUEL_PER_HOST_BYTE}\nunits per byte`);
  });

  it("lists every weight of the cost model with its value", () => {
    for (const [name, weight] of Object.entries(COST_MODEL)) {
      expect(doc).toMatch(new RegExp(`\\| \`${name}\` \\| ${weight} \\|`));
    }
  });

  it("states every runtime-wide limit", () => {
    expect(doc).toContain(`| module (component) size | ${kib(DEFAULT_SIZE_LIMITS.moduleBytes)} |`);
    expect(doc).toContain(`| input size | ${kib(DEFAULT_SIZE_LIMITS.inputBytes)} |`);
    expect(doc).toContain(`| output size | ${kib(DEFAULT_SIZE_LIMITS.outputBytes)} |`);
    expect(doc).toContain(`| log volume per invocation | ${kib(DEFAULT_SIZE_LIMITS.logBytes)} |`);
    expect(doc).toContain(`| log lines per invocation | ${DEFAULT_SIZE_LIMITS.logLines} |`);
    expect(doc).toContain(`| call depth | ${DEFAULT_SIZE_LIMITS.callDepth} frames |`);
  });

  it("states the host-call counts by tier", () => {
    for (const [tier, n] of Object.entries(DEFAULT_HOST_CALLS_PER_INVOCATION)) {
      expect(doc).toMatch(new RegExp(`\\| ${tier} \\| [^|]+ \\| ${n} \\|`));
    }
    expect(doc).toContain(`more than ${MAX_HOST_CALLS_PER_INVOCATION} host calls`);
  });

  it("states every module shape cap, and the table budget", () => {
    for (const [cap, limit] of Object.entries(MODULE_SHAPE_CAPS)) {
      if (cap === "tableEntries") continue;
      expect(doc).toMatch(new RegExp(`\\| \`${cap}\`[^|]*\\| ${limit} \\|`));
    }
    expect(doc).toMatch(new RegExp(`\\| \`modules\`[^|]*\\| ${MAX_LINKED_MODULES} \\|`));
    expect(doc).toContain(`\`TABLE_ENTRY_BYTES\` = ${TABLE_ENTRY_BYTES}`);
    expect(doc).toContain(`(${tableEntryBudget(16)} at 16 MiB)`);
    expect(doc).toContain(`more than ${MODULE_SHAPE_CAPS.tableEntries}`);
  });
});
