import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAX_SCHEMA_BYTES, MAX_SCHEMA_DEPTH, readToolDefinition } from "./tool-definition.js";

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

  it("refuses a tenant's schema deeper than MAX_SCHEMA_DEPTH or larger than MAX_SCHEMA_BYTES, coded, before compiling it", () => {
    let deep: Record<string, unknown> = { type: "object" };
    for (let i = 0; i < 20_000; i++) deep = { type: "object", properties: { a: deep } };
    const wide: { type: string; properties: Record<string, unknown> } = { type: "object", properties: {} };
    for (let i = 0; JSON.stringify(wide).length <= MAX_SCHEMA_BYTES; i++)
      wide.properties[`p${i}`] = { type: "string", pattern: `^a${i}` };
    for (const [field, schema, limit] of [
      ["input_schema", deep, MAX_SCHEMA_DEPTH],
      ["input_schema", wide, MAX_SCHEMA_BYTES],
      ["output_schema", deep, MAX_SCHEMA_DEPTH],
    ] as const) {
      const started = performance.now();
      const definition =
        field === "input_schema"
          ? { id: "echo", description: "Echoes.", input_schema: schema }
          : { id: "echo", description: "Echoes.", input_schema: objectSchema, output_schema: schema };
      expect(() => readToolDefinition(definition), `${field} ${limit}`).toThrow(
        expect.objectContaining({
          code: "invalid_argument",
          reason: "invalid_manifest",
          details: expect.objectContaining({ field, limit }),
        }),
      );
      expect(performance.now() - started).toBeLessThan(500);
    }
    let atDepth: Record<string, unknown> = { type: "object" };
    for (let i = 1; i < MAX_SCHEMA_DEPTH / 2; i++) atDepth = { type: "object", properties: { a: atDepth } };
    expect(
      readToolDefinition({ id: "echo", description: "Echoes.", input_schema: atDepth }).inputSchema,
    ).toEqual(atDepth);
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
