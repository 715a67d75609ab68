import { describe, expect, it } from "vitest";
import { CATALOG_SCHEMA } from "../catalog/catalog-schema.js";
import { S3_SETTINGS_SCHEMA } from "./s3-settings.js";

describe("S3_SETTINGS_SCHEMA", () => {
  it("is the catalog's runtime.store.s3, which adds fetch_timeout_ms alone", () => {
    const s3 = CATALOG_SCHEMA.properties.runtime.properties.store.properties.s3;
    expect(s3.additionalProperties).toBe(false);
    for (const [name, schema] of Object.entries(S3_SETTINGS_SCHEMA.properties))
      expect(s3.properties[name as keyof typeof s3.properties], name).toBe(schema);
    expect(Object.keys(s3.properties).sort()).toEqual(
      [...Object.keys(S3_SETTINGS_SCHEMA.properties), "fetch_timeout_ms"].sort(),
    );
  });
});
