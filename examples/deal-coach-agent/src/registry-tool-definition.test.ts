// Reading the tool's definition from a Transformation registry: a registry double answering GetExtension.
import { ExtensionDefinitionSchema, GetExtensionResponseSchema } from "@ameide-ext/proto";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { readToolManifest } from "./opportunity-risk-hook.js";
import { type RegistryReader, readRegistryToolDefinition } from "./registry-tool-definition.js";

const source = { url: "http://registry.test", token: "t", tenantId: "acme", extensionId: "opportunity-risk" };

describe("readRegistryToolDefinition()", () => {
  it("gives the registry's definition of the version, pinned to it", async () => {
    const manifest = await readToolManifest();
    const asked: unknown[] = [];
    const registry: RegistryReader = {
      getExtension: async (req) => {
        asked.push(req);
        return create(GetExtensionResponseSchema, {
          revision: {
            definition: create(ExtensionDefinitionSchema, {
              id: "opportunity-risk",
              version: "4",
              metadata: { description: manifest.metadata?.description ?? "" },
              inputSchemaJson: JSON.stringify(manifest.input_schema),
              outputSchemaJson: JSON.stringify(manifest.output_schema),
            }),
          },
        });
      },
    };
    const def = await readRegistryToolDefinition(source, registry);
    expect(def).toEqual({
      id: "opportunity-risk",
      version: "4",
      description: manifest.metadata?.description,
      input_schema: manifest.input_schema,
      output_schema: manifest.output_schema,
    });
    expect(asked).toMatchObject([{ tenantId: "acme", extensionId: "opportunity-risk", version: "" }]);
  });

  it("an answer with no definition is not_found; the registry's own refusal keeps its code", async () => {
    const empty: RegistryReader = { getExtension: async () => create(GetExtensionResponseSchema, {}) };
    await expect(readRegistryToolDefinition(source, empty)).rejects.toMatchObject({
      name: "ExtensionError",
      code: "not_found",
    });
    const refusing: RegistryReader = {
      getExtension: async () => {
        throw new ConnectError("bad token", Code.Unauthenticated);
      },
    };
    await expect(readRegistryToolDefinition(source, refusing)).rejects.toMatchObject({
      name: "ExtensionError",
      code: "unauthenticated",
    });
  });
});
