import { ExtensionError } from "@ameide-ext/contract";
import type { ExtensionDefinition } from "@ameide-ext/proto";
import type { JsonSchema } from "./json-schema.js";
import type { ToolDefinition } from "./tool-definition.js";

function parseSchema(field: "input_schema" | "output_schema", text: string): JsonSchema {
  try {
    return JSON.parse(text) as JsonSchema;
  } catch (cause) {
    throw new ExtensionError(
      "invalid_argument",
      `the registry's ${field} is not JSON: ${(cause as Error).message}`,
      "invalid_manifest",
      { field },
    );
  }
}

/**
 * The tool definition of a version as the Transformation registry holds it
 * (an `ExtensionDefinition`, e.g. from GetExtension): its id and description,
 * its schemas parsed from their JSON text, and pinned to its version, so the
 * tool calls exactly the version the agent was given. `extensionTool` checks
 * the rest (an empty input schema is refused there).
 */
export function toolDefinitionFromRegistry(definition: ExtensionDefinition): ToolDefinition {
  const tool: ToolDefinition = {
    id: definition.id,
    description: definition.metadata?.description,
    version: definition.version,
    input_schema:
      definition.inputSchemaJson === "" ? undefined : parseSchema("input_schema", definition.inputSchemaJson),
  };
  if (definition.outputSchemaJson !== "")
    tool.output_schema = parseSchema("output_schema", definition.outputSchemaJson);
  return tool;
}
