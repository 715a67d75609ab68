import type { DiagnosticRecord, RevisionRecord } from "../domain/types.js";
import { diag } from "./compile-diagnostics.js";

/** What {@link checkManifest} found: the parsed manifest, or none when it is not a JSON object. */
export interface ManifestCheck {
  /** The upload's extension.json; undefined when it is not a JSON object. */
  manifest: Record<string, unknown> | undefined;
  /** One `policy_check` error per refusal; empty when the manifest agrees with the definition. */
  diagnostics: DiagnosticRecord[];
}

/**
 * The upload's manifest against the revision's definition: id, kind, risk tier, lang, host calls
 * and every limit the definition sets must be the same. The registry's record is what reviewers
 * approve, so a manifest that says otherwise is refused (`invalid_manifest`).
 */
export function checkManifest(rev: RevisionRecord): ManifestCheck {
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(rev.manifestJson) as Record<string, unknown>;
    if (typeof manifest !== "object" || manifest === null || Array.isArray(manifest))
      throw new Error("not an object");
  } catch (cause) {
    const message = `the manifest is not a JSON object: ${(cause as Error).message}`;
    return { manifest: undefined, diagnostics: [diag("policy_check", "invalid_manifest", message)] };
  }
  const diagnostics: DiagnosticRecord[] = [];
  const mismatch = (field: string, got: unknown, want: unknown) =>
    diagnostics.push(
      diag(
        "policy_check",
        "invalid_manifest",
        `extension.json ${field} is ${JSON.stringify(got)}, the definition says ${JSON.stringify(want)}`,
        "error",
        { path: "extension.json" },
      ),
    );
  if (manifest.id !== rev.extensionId) mismatch("id", manifest.id, rev.extensionId);
  if (manifest.kind !== rev.kind) mismatch("kind", manifest.kind, rev.kind);
  if (manifest.risk_tier !== rev.riskTier) mismatch("risk_tier", manifest.risk_tier, rev.riskTier);
  // The toolchain follows the manifest's lang (testHook reads it): the upload must say the same.
  const lang = manifest.lang ?? "assemblyscript";
  if (lang !== rev.language) mismatch("lang", lang, rev.language);
  const declared = Array.isArray(manifest.host_calls)
    ? (manifest.host_calls as Array<{ service: string; method: string }>)
    : [];
  if (!sameHostCalls(rev.hostCalls, declared)) mismatch("host_calls", declared, rev.hostCalls);
  const limits = (manifest.limits ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(rev.limits))
    if (v && limits[k] !== v) mismatch(`limits.${k}`, limits[k], v);
  return { manifest, diagnostics };
}

function sameHostCalls(
  a: RevisionRecord["hostCalls"],
  b: Array<{ service: string; method: string }>,
): boolean {
  const key = (h: { service: string; method: string }) => `${h.service}/${h.method}`;
  const x = a.map(key).sort();
  const y = b.map(key).sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
