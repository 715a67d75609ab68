import { lstatSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { undeclaredPackage } from "./hook-packages.js";
import { createPathConfinement, isInside } from "./path-confinement.js";
import { PDK_ASSEMBLY_DIR, PDK_PACKAGE } from "./pdk-sources.js";

/** The `readFile` asc is given, confined to what a hook may read, and what it refused. */
export interface ConfinedAscReader {
  /** asc's `readFile(name, baseDir)`: the text, or null for a file that is absent or refused. */
  readFile(name: string, baseDir: string): Promise<string | null>;
  /** Every text read (or generated), by absolute path; the PDK's under its real `assembly/` path. */
  readonly texts: Map<string, string>;
  /** Files asked for outside the confinement that exist (never read), absolute. */
  readonly refused: readonly string[];
}

const PDK_NODE_MODULES = `/node_modules/${PDK_PACKAGE}/`;

/**
 * A reader for asc that sees only the hook's folder (by real path, so a
 * symlink out is outside), the packages of the hook's own node_modules that
 * its package.json declares, and the PDK: any `node_modules/@ameide-ext/pdk/…`
 * inside the hook's folder is this package's `assembly/…`. asc's standard
 * library is in memory and never read. `asconfig.json` is absent: the build
 * decides every option. A refused file is absent for asc (it reports the
 * import as not found) and is recorded, so the build can name the import.
 */
export function createConfinedAscReader(rootDir: string, generated: Map<string, string>): ConfinedAscReader {
  const confinement = createPathConfinement([rootDir, PDK_ASSEMBLY_DIR]);
  const [hookRoot, pdkRoot] = confinement.roots as [string, string];
  const texts = new Map(generated);
  const refused: string[] = [];
  const allowed = (file: string): boolean => {
    const real = confinement.realPath(file);
    if (isInside(file, PDK_ASSEMBLY_DIR)) return isInside(real, pdkRoot);
    if (!isInside(real, hookRoot)) return false;
    const dependency = path.relative(path.join(hookRoot, "node_modules"), real);
    return dependency.startsWith("..") || undeclaredPackage(posix(dependency), rootDir) === undefined;
  };
  return {
    texts,
    refused,
    readFile: async (name, baseDir) => {
      const requested = path.resolve(baseDir, name);
      if (path.basename(requested) === "asconfig.json") return null;
      const file = pdkSource(requested, rootDir) ?? requested;
      const cached = texts.get(file);
      if (cached !== undefined) return cached;
      if (!allowed(file)) {
        if (exists(file)) refused.push(file);
        return null;
      }
      try {
        const text = await readFile(file, "utf8");
        texts.set(file, text);
        return text;
      } catch {
        return null;
      }
    },
  };
}

/** The PDK's file for a `node_modules/@ameide-ext/pdk/…` path inside the hook's folder. */
function pdkSource(file: string, rootDir: string): string | undefined {
  const at = posix(file).lastIndexOf(PDK_NODE_MODULES);
  if (at < posix(rootDir).length || !isInside(file, rootDir)) return undefined;
  return path.join(PDK_ASSEMBLY_DIR, posix(file).slice(at + PDK_NODE_MODULES.length));
}

function posix(file: string): string {
  return file.split(path.sep).join("/");
}

/** True when something is at `file` (a link counts, whatever it points at). */
function exists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}
