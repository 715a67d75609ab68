import { describe, expect, it } from "vitest";
import { parseCatalog } from "./parse-catalog.js";

const SHA = "cd".repeat(32);
const entry = (tenant: string, id: string, version: string, extra = "") =>
  `  - { tenant_id: ${tenant}, extension_id: ${id}, version: "${version}", kind: process_hook, risk_tier: low, wasm_blob_ref: "s3://extensions/${tenant}/${id}/${version}.wasm#sha256=${SHA}"${extra} }\n`;

const problemsOf = (text: string) => {
  try {
    parseCatalog(text);
  } catch (cause) {
    const e = cause as { code: string; reason: string; details: { problems: Array<{ path: string }> } };
    return { code: e.code, reason: e.reason, paths: e.details.problems.map((p) => p.path) };
  }
  throw new Error("the catalog was accepted");
};

describe("parseCatalog()", () => {
  it("resolves latest to the highest version, numerically", () => {
    const c = parseCatalog(
      `env: dev\nextensions:\n${entry("acme", "deal", "2")}${entry("acme", "deal", "10")}${entry("acme", "deal", "9")}`,
    );
    expect(c.resolve("acme", "deal", "latest").version).toBe("10");
    expect(c.resolve("acme", "deal", "9").version).toBe("9");
  });

  it("resolves latest to the pinned version when `latest` pins one", () => {
    const c = parseCatalog(
      `extensions:\n${entry("acme", "deal", "2")}${entry("acme", "deal", "3")}latest:\n  acme/deal: "2"\n`,
    );
    expect(c.resolve("acme", "deal", "latest").version).toBe("2");
    expect(c.resolve("acme", "deal", "3").version).toBe("3");
  });

  it("answers not_found for an unknown extension, an unknown version, and another tenant's extension alike", () => {
    const c = parseCatalog(`extensions:\n${entry("acme", "deal", "1")}`);
    for (const [t, id, v] of [
      ["acme", "nope", "latest"],
      ["acme", "deal", "7"],
      ["globex", "deal", "latest"],
      ["globex", "deal", "1"],
    ] as const)
      expect(() => c.resolve(t, id, v)).toThrowError(expect.objectContaining({ code: "not_found" }));
  });

  it("accepts JSON as well as YAML, and fills in default limits", () => {
    const c = parseCatalog(
      JSON.stringify({
        extensions: [
          {
            tenant_id: "acme",
            extension_id: "deal",
            version: "1",
            kind: "domain_hook",
            risk_tier: "medium",
            wasm_blob_ref: `file:///m/extensions/acme/deal.wasm#sha256=${SHA}`,
            limits: { cpu_millis: 5 },
            host_calls: [{ service: "ameide.crm.v1.CrmService", method: "GetCustomer", read_only: true }],
          },
        ],
      }),
    );
    const e = c.resolve("acme", "deal", "1");
    expect(e.limits).toEqual({ cpuMillis: 5, memoryMb: 16, timeoutMs: 100 });
    expect(e.policy).toEqual({
      riskTier: "medium",
      allow: [{ service: "ameide.crm.v1.CrmService", method: "GetCustomer", readOnly: true }],
    });
  });

  it.each([
    ["text that does not parse", "extensions: [", [""]],
    [
      "a missing field",
      `extensions:\n  - { tenant_id: acme, extension_id: x, version: "1", kind: process_hook, risk_tier: low }\n`,
      ["/extensions/0"],
    ],
    [
      "limits out of bounds",
      `extensions:\n${entry("acme", "x", "1", ", limits: { memory_mb: 4096 }")}`,
      ["/extensions/0/limits/memory_mb"],
    ],
    [
      "a ref without a checksum",
      `extensions:\n  - { tenant_id: acme, extension_id: x, version: "1", kind: process_hook, risk_tier: low, wasm_blob_ref: "s3://extensions/acme/x/1.wasm" }\n`,
      ["/extensions/0/wasm_blob_ref"],
    ],
    [
      "the same version twice",
      `extensions:\n${entry("acme", "x", "1")}${entry("acme", "x", "1")}`,
      ["/extensions/1"],
    ],
    [
      "a low-tier entry with host calls",
      `extensions:\n${entry("acme", "x", "1", ", host_calls: [{ service: a.B, method: C, read_only: true }]")}`,
      ["/extensions/0/host_calls"],
    ],
    [
      "a pin to a version that is not there",
      `extensions:\n${entry("acme", "x", "1")}latest:\n  acme/x: "2"\n`,
      ["/latest/acme/x"],
    ],
    [
      "the reserved version latest",
      `extensions:\n${entry("acme", "x", "latest")}`,
      ["/extensions/0/version"],
    ],
  ])("refuses %s with invalid_argument/invalid_manifest, naming the place", (_what, text, paths) => {
    const p = problemsOf(text);
    expect(p.code).toBe("invalid_argument");
    expect(p.reason).toBe("invalid_manifest");
    expect(p.paths).toEqual(expect.arrayContaining(paths));
  });

  it("refuses a medium-tier entry that allows a method not marked read_only", () => {
    const text = `extensions:\n  - { tenant_id: acme, extension_id: x, version: "1", kind: agent_tool, risk_tier: medium, wasm_blob_ref: "s3://extensions/acme/x/1.wasm#sha256=${SHA}", host_calls: [{ service: a.B, method: Write }] }\n`;
    expect(problemsOf(text).paths).toEqual(["/extensions/0/host_calls/0"]);
  });

  const withRef = (tenant: string, ref: string) =>
    `extensions:\n  - { tenant_id: ${tenant}, extension_id: x, version: "1", kind: process_hook, risk_tier: low, wasm_blob_ref: "${ref}#sha256=${SHA}" }\n`;

  it.each([
    ["another tenant's S3 prefix", "s3://extensions/globex/x/1.wasm"],
    ["another bucket", "s3://globex/acme/x/1.wasm"],
    ["an S3 key that climbs out with ..", "s3://extensions/acme/../globex/x/1.wasm"],
    ["an S3 key that climbs out percent-encoded", "s3://extensions/acme%2F..%2Fglobex/x/1.wasm"],
    ["an S3 key with a double slash", "s3://extensions//globex/x/1.wasm"],
    ["an S3 key with the tenant alone", "s3://extensions/acme"],
    ["another tenant's relative path", "extensions/globex/x/1.wasm"],
    ["a relative path without the prefix", "acme/x/1.wasm"],
    ["a relative path with a dot segment", "extensions/./acme/x/1.wasm"],
    ["a relative path with a double slash", "extensions//acme/x/1.wasm"],
    ["a relative path with backslashes", "extensions\\\\globex\\\\x.wasm"],
    ["another tenant's file", "file:///srv/modules/extensions/globex/x/1.wasm"],
    [
      "a file URL that climbs out, percent-encoded",
      "file:///srv/modules/extensions/acme/%2e%2e/globex/x.wasm",
    ],
    [
      "a file in another tenant's folder that nests the prefix",
      "file:///srv/extensions/globex/extensions/acme/x.wasm",
    ],
    ["a tenant of another case", "s3://extensions/Acme/x/1.wasm"],
  ])("refuses %s for tenant acme (module_ref_outside_tenant)", (_what, ref) => {
    expect(problemsOf(withRef("acme", ref))).toEqual({
      code: "invalid_argument",
      reason: "module_ref_outside_tenant",
      paths: ["/extensions/0/wasm_blob_ref"],
    });
  });

  it.each([
    "s3://extensions/acme/x/1.wasm",
    "s3://modules/extensions/acme/x/1.wasm",
    "extensions/acme/x/1.wasm",
    "file:///srv/modules/extensions/acme/x/1.wasm",
  ])("accepts %s for tenant acme", (ref) => {
    expect(parseCatalog(withRef("acme", ref)).resolve("acme", "x", "1").ref.sha256).toBe(SHA);
  });
});
