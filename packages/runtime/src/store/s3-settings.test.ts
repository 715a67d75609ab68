import { describe, expect, it } from "vitest";
import { CATALOG_SCHEMA } from "../catalog/catalog-schema.js";
import { S3_SETTINGS_SCHEMA, s3ClientConfig } from "./s3-settings.js";

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

describe("s3ClientConfig()", () => {
  it("fills in region us-east-1, and path-style addressing when an endpoint is set (MinIO)", () => {
    expect(s3ClientConfig({})).toEqual({ region: "us-east-1", forcePathStyle: false });
    expect(s3ClientConfig({ endpoint: "http://minio:9000" })).toEqual({
      region: "us-east-1",
      endpoint: "http://minio:9000",
      forcePathStyle: true,
    });
  });

  it("keeps what is set: region, path style, credentials", () => {
    const credentials = { accessKeyId: "a", secretAccessKey: "s" };
    expect(
      s3ClientConfig({
        endpoint: "http://minio:9000",
        region: "eu-west-1",
        forcePathStyle: false,
        credentials,
      }),
    ).toEqual({ region: "eu-west-1", endpoint: "http://minio:9000", forcePathStyle: false, credentials });
  });
});
