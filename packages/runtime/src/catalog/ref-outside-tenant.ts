import type { ModuleRef } from "../store/module-ref.js";

/** The folder every tenant's modules live under, in any store: `extensions/<tenant>/…`. */
export const MODULES_PREFIX = "extensions";

/** Segments that could make a path mean something other than what it reads as, or differ between stores. */
function unsafeSegment(segments: readonly string[]): string | undefined {
  return segments.find((s) => s === "" || s === "." || s === ".." || s.includes("\\") || s.includes("%"));
}

/** Why `segments` (from the first after the prefix's folder on) do not name a module of `tenant`, or undefined. */
function outside(segments: readonly string[], tenant: string): string | undefined {
  const bad = unsafeSegment(segments);
  if (bad !== undefined) return `has the path segment ${JSON.stringify(bad)}`;
  if (segments[0] !== MODULES_PREFIX || segments[1] !== tenant || segments.length < 3)
    return `lies outside ${MODULES_PREFIX}/${tenant}/, the prefix of its tenant`;
  return undefined;
}

/**
 * Why a catalog entry's module ref does not lie under its own tenant's prefix
 * `extensions/<tenant>/…`, or undefined when it does. A catalog (fed from
 * tenants' submissions) must not point one tenant's entry at another tenant's
 * module, nor at anything outside the tenants' folders. Per scheme:
 * - `s3://extensions/<tenant>/…`, or `s3://<bucket>/extensions/<tenant>/…`;
 *   the key is checked as decoded, so `%2F..` is a `..` segment;
 * - a relative path `extensions/<tenant>/…` (the registry's refs);
 * - `file:///…/extensions/<tenant>/…` with exactly one `extensions` segment
 *   (the URL is already normalised: `..` and `%2e%2e` are resolved by then).
 * Empty, `.`, `..` segments, backslashes and `%` are refused everywhere, and
 * tenant ids compare case-sensitively.
 */
export function refOutsideTenant(ref: ModuleRef, tenant: string): string | undefined {
  if (ref.scheme === "s3") {
    const key = ref.key.split("/");
    return ref.bucket === MODULES_PREFIX ? outside([MODULES_PREFIX, ...key], tenant) : outside(key, tenant);
  }
  const segments = ref.path.split("/");
  if (!ref.path.startsWith("/")) return outside(segments, tenant);
  const rest = segments.slice(1);
  const bad = unsafeSegment(rest);
  if (bad !== undefined) return `has the path segment ${JSON.stringify(bad)}`;
  const at = rest.indexOf(MODULES_PREFIX);
  if (at < 0 || rest.lastIndexOf(MODULES_PREFIX) !== at)
    return `must have exactly one ${MODULES_PREFIX} folder in its path, followed by its tenant's`;
  return outside(rest.slice(at), tenant);
}
