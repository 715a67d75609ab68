import { describe, expect, it } from "vitest";
import { DEFAULT_RECORDING_SAMPLE, parseCatalog } from "../catalog/parse-catalog.js";
import { resolveRuntimeSettings } from "../service/runtime-settings.js";

const SHA = "cd".repeat(32);
const entry = (id: string, extra = "") =>
  `  - { tenant_id: acme, extension_id: ${id}, version: "1", kind: process_hook, risk_tier: low, wasm_blob_ref: "s3://extensions/acme/${id}/1.wasm#sha256=${SHA}"${extra} }\n`;

describe("the catalog's recording settings", () => {
  it("samples 1% of successes and keeps inputs by default; an entry's recording section says otherwise", () => {
    const c = parseCatalog(
      `extensions:\n${entry("plain")}${entry("kyc", ", recording: { sample: 0.5, sensitive_input: true }")}`,
    );
    expect(DEFAULT_RECORDING_SAMPLE).toBe(0.01);
    expect(c.resolve("acme", "plain", "1").recording).toEqual({ sample: 0.01, sensitiveInput: false });
    expect(c.resolve("acme", "kyc", "1").recording).toEqual({ sample: 0.5, sensitiveInput: true });
  });

  it("refuses a sample outside 0..1 and an unknown recording field (invalid_manifest)", () => {
    for (const extra of [
      ", recording: { sample: 1.5 }",
      ", recording: { sample: -1 }",
      ", recording: { everything: true }",
    ]) {
      try {
        parseCatalog(`extensions:\n${entry("bad", extra)}`);
        expect.unreachable(`accepted ${extra}`);
      } catch (cause) {
        expect((cause as { reason: string }).reason).toBe("invalid_manifest");
        expect(
          (cause as { details: { problems: Array<{ path: string }> } }).details.problems[0]?.path,
        ).toMatch(/^\/extensions\/0\/recording/);
      }
    }
  });

  it("records into the file store's root by default, into a location of its own when set, and not at all when off", () => {
    expect(resolveRuntimeSettings({}).recordings.location).toBeUndefined();
    expect(resolveRuntimeSettings({ store: { root: "/srv/modules" } }).recordings).toEqual({
      location: "/srv/modules",
      maxBytes: 256 * 1024,
      tenantDailyBytes: 64 * 1024 * 1024,
      queue: 1000,
    });
    expect(
      resolveRuntimeSettings({ store: { root: "/srv" }, recordings: { location: "s3://extensions/rec" } })
        .recordings.location,
    ).toBe("s3://extensions/rec");
    expect(
      resolveRuntimeSettings({ store: { root: "/srv" }, recordings: { enabled: false } }).recordings.location,
    ).toBeUndefined();
    expect(
      resolveRuntimeSettings({ store: { root: "/srv" } }, { AMEIDE_RECORDINGS_LOCATION: "off" }).recordings
        .location,
    ).toBeUndefined();
  });
});
