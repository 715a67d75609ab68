import { realpathSync } from "node:fs";
import path from "node:path";

/** Tells whether files lie inside a fixed set of folders, by their real paths. */
export interface PathConfinement {
  /** The folders, as real paths. */
  readonly roots: readonly string[];
  /** The real path of `file` (of its nearest existing ancestor, for a file that does not exist). */
  realPath(file: string): string;
  /** True when the real path of `file` is inside one of the folders (or is one). */
  contains(file: string): boolean;
}

/**
 * A confinement to `folders` (absolute). Paths are compared by their real
 * paths, so a symlink inside a folder that points out of it is outside: a
 * hook's upload must not reach the host's files through a link.
 */
export function createPathConfinement(folders: readonly string[]): PathConfinement {
  const roots = folders.map(realPath);
  return {
    roots,
    realPath,
    contains: (file) => {
      const real = realPath(file);
      return roots.some((root) => isInside(real, root));
    },
  };
}

/** True when `file` is `dir` or below it; both absolute and normalized. */
export function isInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

function realPath(file: string): string {
  const absolute = path.resolve(file);
  try {
    return realpathSync.native(absolute);
  } catch {
    // A missing file is where its parent really is: resolving the parent keeps a link in the way visible.
    const parent = path.dirname(absolute);
    return parent === absolute ? absolute : path.join(realPath(parent), path.basename(absolute));
  }
}
