import { describe, expect, it } from "vitest";
import { createProgram, runCli } from "./cli.js";
import { OUTPUT_SCHEMAS } from "./report/output-schemas.js";
import { SCHEMA_NAMES, SCHEMAS } from "./schemas.js";
import { createCapturedDeps } from "./testing/cli-process.js";

/** Commands whose --json output is not a document of their own: `schema` prints a schema, `mcp` speaks MCP. */
const NO_DOCUMENT = new Set(["schema", "mcp"]);

describe("SCHEMAS", () => {
  it("has a schema named after every command that takes --json", () => {
    const program = createProgram({ deps: createCapturedDeps({ cwd: "/" }).deps, setExit: () => {} });
    const withJson = program.commands
      .filter((c) => c.options.some((o) => o.long === "--json"))
      .map((c) => c.name())
      .filter((name) => !NO_DOCUMENT.has(name));
    expect(withJson.length).toBeGreaterThanOrEqual(13);
    for (const name of withJson) expect(SCHEMA_NAMES, name).toContain(name);
  });

  it("names exactly its schemas, every --json document among them", () => {
    expect([...SCHEMA_NAMES].sort()).toEqual(Object.keys(SCHEMAS).sort());
    for (const name of Object.keys(OUTPUT_SCHEMAS)) expect(SCHEMA_NAMES, name).toContain(name);
  });

  it("`schema <name> --json` prints each one on one line", async () => {
    for (const name of SCHEMA_NAMES) {
      const c = createCapturedDeps({ cwd: "/" });
      expect(await runCli(["schema", name, "--json"], c.deps), name).toBe(0);
      expect(JSON.parse(c.stdout()), name).toEqual(SCHEMAS[name]);
    }
  });
});
