import { ExtensionDefinitionSchema } from "@ameide-ext/proto";
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { toolDefinitionFromRegistry } from "./registry-definition.js";
import { readToolDefinition } from "./tool-definition.js";

const inputSchema = {
  type: "object",
  required: ["accountId"],
  properties: { accountId: { type: "string" } },
};

const registered = (fields: { inputSchemaJson?: string; outputSchemaJson?: string }) =>
  create(ExtensionDefinitionSchema, {
    id: "opportunity-risk",
    tenantId: "acme",
    version: "4",
    sha256: "ab".repeat(32),
    metadata: { description: "Scores an opportunity's risk." },
    inputSchemaJson: JSON.stringify(inputSchema),
    ...fields,
  });

describe("toolDefinitionFromRegistry()", () => {
  it("reads the registry's ExtensionDefinition: its id, description, schemas parsed, pinned to its version", () => {
    const def = toolDefinitionFromRegistry(registered({ outputSchemaJson: '{"type":"object"}' }));
    expect(def).toEqual({
      id: "opportunity-risk",
      description: "Scores an opportunity's risk.",
      version: "4",
      input_schema: inputSchema,
      output_schema: { type: "object" },
    });
    expect(readToolDefinition(def).version).toBe("4");
  });

  it("leaves out an output schema the registry does not hold", () => {
    expect(toolDefinitionFromRegistry(registered({}))).not.toHaveProperty("output_schema");
  });

  it("refuses a schema that is not JSON with invalid_argument/invalid_manifest naming it", () => {
    expect(() => toolDefinitionFromRegistry(registered({ inputSchemaJson: "{type:" }))).toThrowError(
      expect.objectContaining({
        code: "invalid_argument",
        reason: "invalid_manifest",
        details: expect.objectContaining({ field: "input_schema" }),
      }),
    );
  });
});
