import { describe, expect, it } from "vitest";
import type { JsonSchema } from "../hook-manifest/manifest-schema.js";
import { FIXTURE_SCHEMA, HOST_CALLS_SCHEMA } from "./fixture-schema.js";

/** Every property of `schema` (nested objects and array items included) without a description, by path. */
function undescribed(schema: JsonSchema, at: string): string[] {
  const missing: string[] = [];
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  for (const [name, sub] of Object.entries(properties)) {
    const path = `${at}.${name}`;
    if (typeof sub.description !== "string" || sub.description.length === 0) missing.push(path);
    missing.push(...undescribed(sub, path));
  }
  if (schema.items !== undefined) missing.push(...undescribed(schema.items as JsonSchema, `${at}[]`));
  return missing;
}

describe("FIXTURE_SCHEMA", () => {
  it("describes every property, nested ones included", () => {
    expect(undescribed(FIXTURE_SCHEMA, "fixture")).toEqual([]);
  });

  it("says how hostCalls[].request matches and that answers are used once, in order", () => {
    const item = HOST_CALLS_SCHEMA.items as JsonSchema & { properties: Record<string, JsonSchema> };
    expect(item.properties.request?.description).toMatch(/deep equality/);
    expect(item.properties.request?.description).toMatch(/omit/i);
    expect(HOST_CALLS_SCHEMA.description).toMatch(/once/);
    expect(HOST_CALLS_SCHEMA.description).toMatch(/in order/);
    expect(HOST_CALLS_SCHEMA.description).toMatch(/unavailable/);
    expect(HOST_CALLS_SCHEMA.description).toMatch(/dev --host-calls .* never uses an answer up/);
  });
});
