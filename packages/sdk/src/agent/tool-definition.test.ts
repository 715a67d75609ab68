import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readToolDefinition } from "./tool-definition.js";

const TEMPLATE = join(import.meta.dirname, "../../../../templates/assemblyscript/agent_tool/extension.json");
const manifest = JSON.parse(readFileSync(TEMPLATE, "utf8")) as Record<string, unknown>;
const objectSchema = { type: "object", properties: { n: { type: "integer" } } };

const refused = (field: string) =>
  expect.objectContaining({
    code: "invalid_argument",
    reason: "invalid_manifest",
    details: expect.objectContaining({ field }),
  });

describe("readToolDefinition()", () => {
  it("reads a hook manifest as the toolkit does: snake_case fields, metadata.description, its version pinned", () => {
    const def = readToolDefinition(manifest);
    expect(def.extensionId).toBe("opportunity-risk");
    expect(def.version).toBe("1");
    expect(def.description).toMatch(/^Scores an opportunity's risk/);
    expect(def.inputSchema).toEqual(manifest.input_schema);
    expect(def.outputSchema).toEqual(manifest.output_schema);
    expect(def.checkInput({ accountId: "A-1", marginPct: 3 })).toEqual([]);
    expect(def.checkInput({ accountId: "A-1" })[0]).toMatchObject({ keyword: "required" });
  });

  it("takes the essentials alone, with version latest by default", () => {
    const def = readToolDefinition({ id: "echo", description: "Echoes.", input_schema: objectSchema });
    expect(def.version).toBe("latest");
    expect(def.outputSchema).toBeUndefined();
    expect(def.checkOutput("anything")).toEqual([]);
  });

  it("refuses a schema that is not a valid JSON Schema, at creation", () => {
    expect(() =>
      readToolDefinition({ id: "echo", description: "d", input_schema: { type: "nope" } }),
    ).toThrowError(refused("input_schema"));
    expect(() =>
      readToolDefinition({
        id: "echo",
        description: "d",
        input_schema: objectSchema,
        output_schema: { properties: { a: { minimum: "ten" } } },
      }),
    ).toThrowError(refused("output_schema"));
  });

  it("refuses an input schema whose root is not an object (tool arguments are a JSON object)", () => {
    expect(() =>
      readToolDefinition({ id: "echo", description: "d", input_schema: { type: "array" } }),
    ).toThrowError(refused("input_schema"));
  });

  it("refuses a definition without an id, a description or an input schema", () => {
    expect(() => readToolDefinition({ description: "d", input_schema: objectSchema })).toThrowError(
      refused("id"),
    );
    expect(() => readToolDefinition({ id: "echo", input_schema: objectSchema })).toThrowError(
      refused("description"),
    );
    expect(() => readToolDefinition({ id: "echo", description: "d" })).toThrowError(refused("input_schema"));
    expect(() => readToolDefinition(null)).toThrowError(refused("(definition)"));
    expect(() =>
      readToolDefinition({ id: "echo", description: "d", input_schema: objectSchema, version: "" }),
    ).toThrowError(refused("version"));
  });

  it("reads one definition twice, and two whose schemas share an $id (a primitive re-making its tools)", () => {
    const withId = {
      id: "echo",
      description: "d",
      input_schema: { $id: "urn:ameide:echo-input", ...objectSchema },
    };
    readToolDefinition(withId);
    expect(readToolDefinition(withId).checkInput({ n: "x" })).not.toEqual([]);
    const other = {
      ...withId,
      input_schema: { $id: "urn:ameide:echo-input", type: "object", required: ["m"] },
    };
    expect(readToolDefinition(other).checkInput({})).not.toEqual([]);
  });

  it("honours a 2020-12 $schema, and validates with draft-07 otherwise (the manifest's dialect)", () => {
    const def = readToolDefinition({
      id: "pair",
      description: "d",
      input_schema: {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        type: "object",
        properties: { pair: { type: "array", prefixItems: [{ type: "string" }, { type: "number" }] } },
      },
    });
    expect(def.checkInput({ pair: ["a", 1] })).toEqual([]);
    expect(def.checkInput({ pair: [1, "a"] })).not.toEqual([]);
  });
});
