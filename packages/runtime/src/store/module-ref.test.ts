import { describe, expect, it } from "vitest";
import { parseModuleRef } from "./module-ref.js";

const SHA = "ab".repeat(32);

describe("parseModuleRef()", () => {
  it("reads an s3 ref into bucket, key and checksum", () => {
    expect(
      parseModuleRef(`s3://extensions/acme/deal-approval/3.wasm#sha256=${SHA.toUpperCase()}`),
    ).toMatchObject({
      scheme: "s3",
      bucket: "extensions",
      key: "acme/deal-approval/3.wasm",
      sha256: SHA,
    });
  });

  it("reads file URLs and root-relative paths", () => {
    expect(parseModuleRef(`file:///var/lib/mods/x.wasm#sha256=${SHA}`)).toMatchObject({
      scheme: "file",
      path: "/var/lib/mods/x.wasm",
    });
    expect(parseModuleRef(`acme/x/1.wasm#sha256=${SHA}`)).toMatchObject({
      scheme: "file",
      path: "acme/x/1.wasm",
    });
  });

  it.each([
    ["no checksum", "s3://extensions/acme/x/1.wasm"],
    ["a short checksum", "s3://extensions/acme/x/1.wasm#sha256=abc"],
    ["another algorithm", `s3://extensions/acme/x/1.wasm#md5=${SHA}`],
    ["no key", `s3://extensions#sha256=${SHA}`],
    ["an unknown scheme", `https://example/x.wasm#sha256=${SHA}`],
    ["a path that climbs out", `../x.wasm#sha256=${SHA}`],
  ])("refuses a ref with %s as invalid_argument/invalid_manifest", (_what, ref) => {
    expect(() => parseModuleRef(ref)).toThrowError(
      expect.objectContaining({ code: "invalid_argument", reason: "invalid_manifest" }),
    );
  });
});
