import { readFileSync } from "node:fs";
import path from "node:path";
import { isInside } from "./path-confinement.js";

const DEPENDENCY_FIELDS = ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"];

/** The npm package a bare specifier names: `@scope/name` or `name`, without the subpath. */
export function packageName(spec: string): string {
  return spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : (spec.split("/")[0] ?? spec);
}

/**
 * Why the bare specifier `spec` is not a package the hook's package.json
 * declares, or undefined when it is, or when the hook has no package.json
 * (then its own node_modules is what it declares, checked where it resolves).
 */
export function undeclaredPackage(spec: string, rootDir: string): string | undefined {
  const name = packageName(spec);
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(readFileSync(path.join(rootDir, "package.json"), "utf8")) as Record<
      string,
      unknown
    >;
  } catch {
    return undefined;
  }
  const declared = DEPENDENCY_FIELDS.some((f) => {
    const deps = manifest[f];
    return typeof deps === "object" && deps !== null && Object.hasOwn(deps, name);
  });
  return declared ? undefined : `package ${JSON.stringify(name)} is not declared in the hook's package.json`;
}

/** The fields esbuild takes a package's entry from (the build's mainFields). */
const ENTRY_FIELDS = ["module", "main"];

/**
 * Why the package `spec` names, looked up as esbuild does from `fromDir` up
 * to `hookRoot` (both real paths), has a `main` or `module` that leads out of
 * the hook's node_modules, by the field's text alone; undefined otherwise.
 * Decided before esbuild resolves it: a refusal only when the file it names
 * exists would tell the agent which host files do.
 */
export function packageEntryOutside(spec: string, fromDir: string, hookRoot: string): string | undefined {
  const bound = path.join(hookRoot, "node_modules");
  for (let dir = fromDir; isInside(dir, hookRoot); dir = path.dirname(dir)) {
    const packageDir = path.join(dir, "node_modules", packageName(spec));
    const manifest = readJsonObject(path.join(packageDir, "package.json"));
    const entries = ENTRY_FIELDS.map((f) => manifest?.[f]).filter((v) => typeof v === "string");
    if (entries.some((e) => !isInside(path.resolve(packageDir, e), bound)))
      return "the package resolves outside the hook's node_modules";
    if (manifest !== undefined || dir === hookRoot) return undefined;
  }
  return undefined;
}

function readJsonObject(file: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(file, "utf8"));
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
