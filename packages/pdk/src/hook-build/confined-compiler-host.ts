import path from "node:path";
import ts from "typescript";
import type { RefusedImport } from "./forbidden-import.js";
import type { PathConfinement } from "./path-confinement.js";

/** A compiler host that reads only confined files, and what it refused. */
export interface ConfinedCompilerHost {
  host: ts.CompilerHost;
  /** Files the type-checker asked for outside the confinement (not read). */
  refused: string[];
}

/**
 * A TypeScript compiler host for the hook's type-check that sees only the
 * files `confinement` holds (the hook's folder, the guest PDK, TypeScript's
 * own lib files): anything else does not exist for it, so a
 * `/// <reference path>` or a symlink cannot make the checker read a host
 * file and quote it in a diagnostic (issue #10).
 */
export function createConfinedCompilerHost(
  options: ts.CompilerOptions,
  confinement: PathConfinement,
): ConfinedCompilerHost {
  const host = ts.createCompilerHost(options);
  const refused: string[] = [];
  const allowed = (file: string) => confinement.contains(file);
  // Climbing towards an allowed folder (module resolution looks for node_modules upwards) reveals nothing.
  const onTheWay = (dir: string) => allowed(dir) || confinement.roots.some((r) => isAncestor(dir, r));
  return {
    refused,
    host: {
      ...host,
      getSourceFile: (file, language, onError, create) => {
        if (allowed(file)) return host.getSourceFile(file, language, onError, create);
        refused.push(file);
        return undefined;
      },
      readFile: (file) => (allowed(file) ? host.readFile(file) : undefined),
      fileExists: (file) => allowed(file) && host.fileExists(file),
      directoryExists: (dir) => onTheWay(dir) && (host.directoryExists?.(dir) ?? true),
      getDirectories: (dir) => (allowed(dir) ? (host.getDirectories?.(dir) ?? []) : []),
      realpath: (file) => (allowed(file) ? (host.realpath?.(file) ?? file) : file),
    },
  };
}

/**
 * The `/// <reference path>` directives of `file` (a hook's own source) that
 * lead outside `confinement`, as refused imports with their position.
 */
export function referencesOutside(file: ts.SourceFile, confinement: PathConfinement): RefusedImport[] {
  return file.referencedFiles
    .filter(
      (ref) =>
        path.isAbsolute(ref.fileName) ||
        !confinement.contains(path.resolve(path.dirname(file.fileName), ref.fileName)),
    )
    .map((ref) => {
      const { line, character } = file.getLineAndCharacterOfPosition(ref.pos);
      const sourceLine = file.text.split(/\r?\n/)[line] ?? "";
      return {
        specifier: ref.fileName,
        why: "a /// <reference path> outside the hook's folder",
        file: file.fileName,
        line: line + 1,
        column: character + 1,
        sourceLine,
        length: Math.max(1, ref.end - ref.pos),
      };
    });
}

function isAncestor(dir: string, of: string): boolean {
  const relative = path.relative(path.resolve(dir), of);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
}
