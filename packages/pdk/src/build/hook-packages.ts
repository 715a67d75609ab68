import { readFileSync } from "node:fs";
import path from "node:path";

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
