import {
  ExecutionContextSchema,
  InvocationStatsSchema,
  InvokeExtensionRequestSchema,
  InvokeExtensionResponseSchema,
} from "@ameide-ext/proto";
import { create, type DescMessage, toJson } from "@bufbuild/protobuf";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli.js";
import { SCHEMA_NAMES, SCHEMAS } from "../schemas.js";
import { createCapturedDeps } from "../testing/cli-process.js";
import { INVOKE_REQUEST_SCHEMA, INVOKE_RESPONSE_SCHEMA } from "./invoke-schemas.js";

type Schema = {
  properties: Record<string, Schema & { description?: string }>;
  additionalProperties?: boolean;
};

/** Every field of `desc` is a property (by its JSON name), described, and nothing else is allowed. */
function expectCovers(schema: Schema, desc: DescMessage) {
  expect(Object.keys(schema.properties).sort(), desc.typeName).toEqual(
    desc.fields.map((f) => f.jsonName).sort(),
  );
  // A description is a sentence, not a placeholder.
  for (const [name, property] of Object.entries(schema.properties))
    expect(property.description?.length ?? 0, `${desc.typeName}.${name}`).toBeGreaterThanOrEqual(10);
  expect(schema.additionalProperties).toBe(false);
}

describe("ameide-ext schema invoke-request | invoke-response", () => {
  it("cover every field of the runtime's messages, in their JSON names", () => {
    const request = INVOKE_REQUEST_SCHEMA as unknown as Schema;
    expectCovers(request, InvokeExtensionRequestSchema);
    expectCovers(request.properties.ctx as Schema, ExecutionContextSchema);
    const response = INVOKE_RESPONSE_SCHEMA as unknown as Schema;
    expectCovers(response, InvokeExtensionResponseSchema);
    expectCovers(response.properties.stats as Schema, InvocationStatsSchema);
  });

  it("accept what the runtime's JSON codec writes, and refuse `input` in place of `inputJson`", () => {
    const ajv = new Ajv({ strict: false });
    const validate = ajv.compile(INVOKE_REQUEST_SCHEMA);
    const good = toJson(
      InvokeExtensionRequestSchema,
      create(InvokeExtensionRequestSchema, {
        extensionId: "deal-guard",
        version: "latest",
        ctx: { tenantId: "acme", env: "dev" },
        inputJson: new TextEncoder().encode('{"amount":1}'),
      }),
    );
    expect(validate(good), ajv.errorsText(validate.errors)).toBe(true);
    expect(
      validate({ extensionId: "deal-guard", version: "1", ctx: { tenantId: "acme" }, input: { amount: 1 } }),
    ).toBe(false);
    const response = ajv.compile(INVOKE_RESPONSE_SCHEMA);
    const answer = toJson(
      InvokeExtensionResponseSchema,
      create(InvokeExtensionResponseSchema, {
        outputJson: new TextEncoder().encode("{}"),
        outcome: 1,
        resolvedVersion: "1",
        stats: { fuelUsed: 10n, fuelLimit: 100n, hostCalls: 1 },
        logs: [{ level: 2, message: "hi" }],
      }),
    );
    expect(response(answer), ajv.errorsText(response.errors)).toBe(true);
  });

  it("are printed by `schema`", async () => {
    expect(SCHEMA_NAMES).toContain("invoke-request");
    expect(SCHEMA_NAMES).toContain("invoke-response");
    const { deps, stdout } = createCapturedDeps({ cwd: "/" });
    expect(await runCli(["schema", "invoke-request", "--json"], deps)).toBe(0);
    expect(JSON.parse(stdout())).toEqual(SCHEMAS["invoke-request" as keyof typeof SCHEMAS]);
  });
});
