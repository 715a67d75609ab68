import path from "node:path";
import type { DiagnosticRecord } from "../domain/types.js";
import { diag } from "./compile-diagnostics.js";

/** Largest `package.json` of a hook the compile reads, bytes. */
export const MAX_PACKAGE_JSON_BYTES = 256 * 1024;
/** Largest `package-lock.json` of a hook the compile reads, bytes. */
export const MAX_LOCKFILE_BYTES = 4 * 1024 * 1024;
/** Most packages a hook's lockfile may list (its dependencies, transitive ones included). */
export const MAX_LOCKED_PACKAGES = 500;

/** The fields of package.json whose packages `npm ci` installs. */
const DEPENDENCY_FIELDS = ["dependencies", "devDependencies", "optionalDependencies"] as const;

/** What a hook's lockfile asks `npm ci` to fetch, once it passed {@link checkLockfile}. */
export interface LockedDependencies {
  /** `file:` tarballs inside the hook's folder, by their `/`-separated path relative to it. */
  tarballs: string[];
  /** True when some package comes from the npm registry (else the install runs `--offline`). */
  fromRegistry: boolean;
}

/**
 * The packages a hook's `package.json` declares (every dependency field), by name; an empty list when it
 * declares none (then there is nothing to install).
 */
export function declaredDependencies(packageJson: unknown): string[] {
  if (typeof packageJson !== "object" || packageJson === null) return [];
  const names = new Set<string>();
  for (const field of DEPENDENCY_FIELDS) {
    const deps = (packageJson as Record<string, unknown>)[field];
    if (typeof deps === "object" && deps !== null) for (const name of Object.keys(deps)) names.add(name);
  }
  return [...names].sort();
}

/** package.json fields through which npm installs more than the hook's locked dependencies. */
const REFUSED_PACKAGE_FIELDS = [
  "workspaces",
  "overrides",
  "bundleDependencies",
  "bundledDependencies",
] as const;
/** A dependency's spec npm resolves from the registry: a version, a range or a tag; no URL, path or git spec. */
const REGISTRY_SPEC = /^[0-9A-Za-z.^~<>=|*+\- ]*$/;

/** Why package.json's spec of a dependency may not be installed, or undefined (a registry range, a tarball in the hook). */
function specRefusal(spec: unknown): string | undefined {
  if (typeof spec !== "string") return "it is not a string";
  if (REGISTRY_SPEC.test(spec)) return undefined;
  const alias = /^npm:((?:@[^/@]+\/)?[^/@]+)@(.*)$/.exec(spec);
  if (alias && NPM_PACKAGE_NAME.test(alias[1] as string) && REGISTRY_SPEC.test(alias[2] as string))
    return undefined;
  if (spec.startsWith("file:")) {
    const file = path.posix.normalize(spec.slice("file:".length));
    if (
      !path.posix.isAbsolute(file) &&
      !file.startsWith("../") &&
      !file.startsWith("~") &&
      /\.(tgz|tar\.gz)$/.test(file)
    )
      return undefined;
  }
  return "it is not a version range from the registry nor a tarball (.tgz) inside the hook's folder";
}

/**
 * Checks a hook's `package.json` (parsed) against its lockfile before anything is installed: npm ci
 * resolves package.json's specs before it reads the lockfile, so a spec naming a git repository, a
 * URL or a folder was fetched even when the lockfile was clean. Refuses (`dependency_source`, at
 * package.json) `workspaces`, `overrides` and bundled dependencies, and any spec that is neither a
 * registry version or range nor a tarball inside the hook; a declared dependency the lockfile does
 * not lock is `dependency_lockfile`.
 */
export function checkPackageJson(packageJson: unknown, lockfile: unknown): DiagnosticRecord[] {
  const at = { path: "package.json" };
  const doc = (typeof packageJson === "object" && packageJson !== null ? packageJson : {}) as Record<
    string,
    unknown
  >;
  const diagnostics: DiagnosticRecord[] = [];
  for (const field of REFUSED_PACKAGE_FIELDS)
    if (doc[field] !== undefined)
      diagnostics.push(
        diag(
          "build",
          "dependency_source",
          `package.json has "${field}": the registry installs the hook's locked dependencies only; remove "${field}"`,
          "error",
          at,
        ),
      );
  const locked = (lockfile as { packages?: Record<string, unknown> } | null)?.packages ?? {};
  for (const field of DEPENDENCY_FIELDS) {
    const deps = doc[field];
    if (typeof deps !== "object" || deps === null) continue;
    for (const [name, spec] of Object.entries(deps)) {
      const why = NPM_PACKAGE_NAME.test(name) ? specRefusal(spec) : "its name is not an npm package name";
      if (why !== undefined)
        diagnostics.push(
          diag(
            "build",
            "dependency_source",
            `package.json's ${field} ${JSON.stringify(name)}: ${JSON.stringify(spec)} cannot be installed: ${why}`,
            "error",
            at,
          ),
        );
      else if (!Object.hasOwn(locked, `node_modules/${name}`))
        diagnostics.push(
          diag(
            "build",
            "dependency_lockfile",
            `package.json declares ${JSON.stringify(name)} but package-lock.json does not lock it: run \`npm install\` in the hook's folder`,
            "error",
            { path: "package-lock.json" },
          ),
        );
    }
  }
  return diagnostics;
}

/**
 * Checks a hook's `package-lock.json` (parsed) before anything is installed, so the install fetches
 * only pure-JS packages from the npm registry at `registryUrl` or `file:` tarballs inside the hook:
 * a package with an install script (`hasInstallScript`, reason `dependency_install_script`), a
 * folder link, a git or other URL, a tarball outside the hook, or a registry package without an
 * `integrity` (`dependency_source`), a lockfile npm ci cannot use or more than
 * {@link MAX_LOCKED_PACKAGES} packages (`dependency_lockfile`) are refused, each named.
 */
export function checkLockfile(
  lockfile: unknown,
  registryUrl: string,
): { locked: LockedDependencies } | { diagnostics: DiagnosticRecord[] } {
  const at = { path: "package-lock.json" };
  const doc = lockfile as { lockfileVersion?: unknown; packages?: unknown } | null;
  if (
    typeof doc !== "object" ||
    doc === null ||
    typeof doc.lockfileVersion !== "number" ||
    doc.lockfileVersion < 2 ||
    typeof doc.packages !== "object" ||
    doc.packages === null
  ) {
    const message = `package-lock.json has lockfileVersion ${JSON.stringify(doc?.lockfileVersion ?? null)} without "packages": npm ci needs version 2 or 3; run \`npm install\` with npm ≥ 7 in the hook's folder`;
    return { diagnostics: [diag("build", "dependency_lockfile", message, "error", at)] };
  }
  const entries = Object.entries(doc.packages as Record<string, unknown>).filter(([key]) => key !== "");
  if (entries.length > MAX_LOCKED_PACKAGES) {
    const message = `package-lock.json lists ${entries.length} packages, the limit is ${MAX_LOCKED_PACKAGES}: a hook bundles a few small pure-JS packages`;
    return { diagnostics: [diag("build", "dependency_lockfile", message, "error", at)] };
  }
  const diagnostics: DiagnosticRecord[] = [];
  const locked: LockedDependencies = { tarballs: [], fromRegistry: false };
  const registry = registryUrl.endsWith("/") ? registryUrl : `${registryUrl}/`;
  for (const [key, value] of entries) {
    const refusal = lockedPackageRefusal(key, value, registry, locked);
    if (refusal !== undefined) diagnostics.push(diag("build", refusal.reason, refusal.message, "error", at));
  }
  return diagnostics.length > 0 ? { diagnostics } : { locked };
}

/**
 * An npm package name, scoped or not (old names' capitals allowed): no `@` past the scope, no `:`, `#` or
 * second `/`. npm fetches an entry without `resolved` as `<its name>@<its version>`, so a name or a version
 * that carries a URL or a git spec would be fetched from there.
 */
const NPM_PACKAGE_NAME = /^(?:@[a-z0-9~-][a-z0-9._~-]*\/)?[A-Za-z0-9~-][A-Za-z0-9._~-]*$/;
/** A version as npm writes it in a lockfile: semver, nothing that reads as a URL or a path. */
const LOCKED_VERSION = /^[0-9A-Za-z.+-]+$/;

/** Why an entry's name or version is not one npm fetches from the registry by name, or undefined. */
function nameRefusal(name: string, entry: Record<string, unknown>): string | undefined {
  if (!NPM_PACKAGE_NAME.test(name)) return `its folder ${JSON.stringify(name)} is not an npm package name`;
  if (entry.name !== undefined && (typeof entry.name !== "string" || !NPM_PACKAGE_NAME.test(entry.name)))
    return `its "name" ${JSON.stringify(entry.name)} is not an npm package name`;
  if (
    entry.version !== undefined &&
    (typeof entry.version !== "string" || !LOCKED_VERSION.test(entry.version))
  )
    return `its "version" ${JSON.stringify(entry.version)} is not a version`;
  return undefined;
}

/** Why one entry of the lockfile's `packages` may not be installed; records what it fetches otherwise. */
function lockedPackageRefusal(
  key: string,
  value: unknown,
  registry: string,
  locked: LockedDependencies,
): { reason: string; message: string } | undefined {
  const entry = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  const name = key.replace(/^.*node_modules\//, "");
  const shown = JSON.stringify(name);
  if (entry.hasInstallScript === true)
    return {
      reason: "dependency_install_script",
      message: `package ${shown} has an install script: a hook's dependencies must be pure JavaScript (no install scripts, no native bindings); use a pure-JS package instead`,
    };
  if (entry.link === true || !key.includes("node_modules/"))
    return {
      reason: "dependency_source",
      message: `package ${shown} is a link to a folder (${JSON.stringify(entry.resolved ?? key)}): pack it with \`npm pack\` and depend on the tarball (file:vendor/<name>.tgz) inside the hook's folder`,
    };
  const badName = nameRefusal(name, entry);
  if (badName !== undefined)
    return {
      reason: "dependency_source",
      message: `package ${shown} cannot be installed: ${badName} (a URL or a git spec there would be fetched); run \`npm install\` again so npm writes the lockfile`,
    };
  if (entry.inBundle === true) {
    // A package's bundled dependencies come inside its tarball; the hook's own (bundleDependencies in its
    // package.json) npm fetches from where the entry says, as any other.
    if (!/node_modules\/.+\/node_modules\//.test(key))
      return {
        reason: "dependency_source",
        message: `package ${shown} is bundled by the hook itself (bundleDependencies in package.json): drop bundleDependencies; the registry installs the hook's dependencies from ${registry} or tarballs inside its folder`,
      };
    if (entry.resolved === undefined) return undefined;
  }
  const resolved = entry.resolved;
  if (typeof resolved === "string" && resolved.startsWith("file:")) {
    const file = resolved.slice("file:".length);
    const normalized = path.posix.normalize(file);
    if (path.posix.isAbsolute(normalized) || normalized.startsWith("../") || !/\.(tgz|tar\.gz)$/.test(file))
      return {
        reason: "dependency_source",
        message: `package ${shown} is resolved from ${JSON.stringify(resolved)}: a file: dependency must be a tarball (.tgz) inside the hook's folder, e.g. file:vendor/${name}.tgz`,
      };
    locked.tarballs.push(normalized);
    return undefined;
  }
  // Without `resolved` (npm's omit-lockfile-registry-resolved), npm fetches `<name>@<version>` from the
  // registry it is given: nameRefusal has held both to a plain name and version.
  if (resolved !== undefined && (typeof resolved !== "string" || !resolved.startsWith(registry)))
    return {
      reason: "dependency_source",
      message: `package ${shown} is resolved from ${JSON.stringify(resolved)}: the registry installs packages from ${registry} or tarballs inside the hook's folder only (no git, no other URL); run \`npm install --registry ${registry}\``,
    };
  if (typeof entry.integrity !== "string")
    return {
      reason: "dependency_source",
      message: `package ${shown} has no "integrity" in package-lock.json: run \`npm install\` again so npm records it`,
    };
  locked.fromRegistry = true;
  return undefined;
}
