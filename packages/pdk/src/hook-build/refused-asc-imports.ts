import path from "node:path";
import { locateRange } from "./build-diagnostic.js";
import type { RefusedImport } from "./forbidden-import.js";
import { packageName, undeclaredPackage } from "./hook-packages.js";
import { isInside } from "./path-confinement.js";
import { PDK_PACKAGE } from "./pdk-sources.js";

/** A diagnostic as asc reports it. */
export interface AscDiagnostic {
  code: number;
  category: number;
  message: string;
  range: { start: number; end: number; source: { normalizedPath: string } } | null;
}

/** What {@link refusedAscImports} reads the imports against. */
export interface AscImportContext {
  /** The hook's folder. */
  rootDir: string;
  /** The texts asc was given, by absolute path (only confined files). */
  texts: ReadonlyMap<string, string>;
  /** Files the confined reader refused. */
  refused: readonly string[];
  /** The file a compiler path (`src/index.ts`, `~lib/@ameide-ext/pdk/json.ts`) names. */
  fileOf(normalizedPath: string): string;
}

/** asc's "File '…' not found.": what it says of an import it could not read, refused ones included. */
const FILE_NOT_FOUND = 6054;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const CANDIDATES = [".ts", "/index.ts", ".d.ts"];
/** A `~lib/` path with a `..` segment, in a message or as a quoted specifier. */
const CLIMBING_LIB = /'~lib\/(?:[^'\n]*\/)?\.\.(?:\/|')/;
const CLIMBS = "a ~lib path that climbs out of the library";
const PACKAGE_CLIMBS = "a package path with a `..` segment (asc makes it a ~lib path that climbs out)";
/** A quoted `~lib/` or package specifier (neither relative nor absolute). */
const LIB_SPECIFIER = /(["'`])((?:~lib\/|@|[A-Za-z0-9_$])[^"'`\n]*)\1/g;

/**
 * The imports among asc's "not found" diagnostics that reach outside what a
 * hook may read, each with why and where it is written. An import that is
 * simply missing (a typo, a package not installed) is not among them.
 */
export function refusedAscImports(raw: readonly AscDiagnostic[], context: AscImportContext): RefusedImport[] {
  const notFound = raw.filter((d) => d.code === FILE_NOT_FOUND);
  const refusals: RefusedImport[] = [];
  // asc looks a `~lib/<name>/…` import up as a package in node_modules folders, and `~lib/../..` climbs
  // out of them; when nothing is found it reports the path without saying where the import is.
  if (notFound.some((d) => d.range === null && CLIMBING_LIB.test(d.message)))
    refusals.push(...climbingLibImports(context));
  for (const d of notFound) {
    if (d.range === null) continue;
    const file = context.fileOf(d.range.source.normalizedPath);
    const text = context.texts.get(file);
    if (text === undefined) continue;
    const specifier = text.slice(d.range.start, d.range.end).replace(/^["'`]|["'`]$/g, "");
    const why = whyRefused(specifier, file, context);
    if (why === undefined) continue;
    refusals.push({ specifier, why, file, ...locateRange(text, d.range.start, d.range.end) });
  }
  return refusals;
}

/** Every `~lib/` or package specifier with a `..` segment in the hook's own files, where it is written. */
function climbingLibImports(context: AscImportContext): RefusedImport[] {
  const found: RefusedImport[] = [];
  for (const [file, text] of context.texts) {
    if (!isInside(file, context.rootDir)) continue;
    for (const match of text.matchAll(LIB_SPECIFIER)) {
      const specifier = match[2] ?? "";
      if (!specifier.split("/").includes("..")) continue;
      found.push({
        specifier,
        why: specifier.startsWith("~lib/") ? CLIMBS : PACKAGE_CLIMBS,
        file,
        ...locateRange(text, match.index, match.index + match[0].length),
      });
    }
  }
  return found;
}

function whyRefused(specifier: string, importer: string, context: AscImportContext): string | undefined {
  if (SCHEME.test(specifier)) return `a URL (${specifier.slice(0, specifier.indexOf(":") + 1)})`;
  if (path.isAbsolute(specifier)) return "an absolute path";
  const lib = specifier.startsWith("~lib/") ? specifier.slice("~lib/".length) : undefined;
  if (lib?.split("/").includes("..")) return CLIMBS;
  if (!specifier.startsWith(".") && specifier.split("/").includes("..")) return PACKAGE_CLIMBS;
  if (specifier.startsWith(".")) {
    const target = path.resolve(path.dirname(importer), specifier);
    const escapes =
      !isInside(target, context.rootDir) || CANDIDATES.some((c) => context.refused.includes(target + c));
    return escapes ? "it leads outside the hook's folder" : undefined;
  }
  const name = packageName(lib ?? specifier);
  if (name === PDK_PACKAGE) return undefined;
  const undeclared = undeclaredPackage(name, context.rootDir);
  if (undeclared !== undefined) return undeclared;
  const marker = `${path.sep}node_modules${path.sep}${name}${path.sep}`;
  return context.refused.some((f) => f.includes(marker))
    ? "the package resolves outside the hook's node_modules"
    : undefined;
}
