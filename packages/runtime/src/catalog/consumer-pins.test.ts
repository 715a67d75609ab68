import { describe, expect, it } from "vitest";
import { parseCatalog } from "./parse-catalog.js";

const SHA = "cd".repeat(32);
const entry = (tenant: string, id: string, version: string) =>
  `  - { tenant_id: ${tenant}, extension_id: ${id}, version: "${version}", kind: process_hook, risk_tier: low, wasm_blob_ref: "s3://extensions/${tenant}/${id}/${version}.wasm#sha256=${SHA}" }\n`;
const three = `extensions:\n${entry("acme", "deal", "1")}${entry("acme", "deal", "2")}${entry("acme", "deal", "3")}${entry("globex", "deal", "1")}${entry("globex", "deal", "2")}`;

describe("parseCatalog() and consumer pins (`pins`)", () => {
  it("resolves latest to a consumer's pinned version; others, and exact versions, are not moved", () => {
    const c = parseCatalog(
      `${three}latest:\n  acme/deal: "3"\npins:\n  acme/deal:\n    "process:p-1": "1"\n    "domain:orders/BeforeCreateOrder": "2"\n`,
    );
    expect(c.resolve("acme", "deal", "latest", "process:p-1").version).toBe("1");
    expect(c.resolve("acme", "deal", "latest", "domain:orders/BeforeCreateOrder").version).toBe("2");
    expect(c.resolve("acme", "deal", "latest", "agent:other").version).toBe("3");
    expect(c.resolve("acme", "deal", "latest").version).toBe("3");
    expect(c.resolve("acme", "deal", "3", "process:p-1").version).toBe("3");
  });

  it("never applies one tenant's pin to another tenant's extension of the same id", () => {
    const c = parseCatalog(`${three}pins:\n  acme/deal:\n    "process:p-1": "1"\n`);
    expect(c.resolve("globex", "deal", "latest", "process:p-1").version).toBe("2");
  });

  it("refuses a pin to a version the catalog does not have, and a malformed consumer, naming the path", () => {
    const refused = (text: string) => {
      try {
        parseCatalog(text);
      } catch (cause) {
        const e = cause as { code: string; reason: string; details: { problems: Array<{ path: string }> } };
        return { code: e.code, reason: e.reason, paths: e.details.problems.map((p) => p.path) };
      }
      throw new Error("accepted");
    };
    expect(refused(`${three}pins:\n  acme/deal:\n    "process:p-1": "9"\n`)).toEqual({
      code: "invalid_argument",
      reason: "invalid_manifest",
      paths: ["/pins/acme/deal/process:p-1"],
    });
    expect(refused(`${three}pins:\n  acme/deal:\n    "robot:x": "1"\n`)).toMatchObject({
      code: "invalid_argument",
      reason: "invalid_manifest",
    });
  });
});
