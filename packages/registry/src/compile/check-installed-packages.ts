import { lstat, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { DiagnosticRecord } from "../domain/types.js";
import { diag } from "./compile-diagnostics.js";

/** Caps on an installed `node_modules`. */
export interface InstalledCaps {
  /** Largest total size of its files, bytes. */
  maxBytes: number;
  /** Most files and folders. */
  maxFiles: number;
}

/** The lifecycle scripts npm runs when it installs a package (and `--ignore-scripts` skipped). */
const INSTALL_SCRIPTS = ["preinstall", "install", "postinstall"];

/**
 * Checks the `node_modules` folder `npm ci --ignore-scripts` made: every package is pure
 * JavaScript (no preinstall/install/postinstall script: `dependency_install_script`; no
 * `binding.gyp`, `gypfile` or `.node` binary: `dependency_native`), it holds no symbolic link
 * (`dependency_source`), and it stays under `caps` (`dependency_too_large`). Stops at the first
 * cap passed; names each package refused once.
 */
export async function checkInstalledPackages(
  nodeModules: string,
  caps: InstalledCaps,
): Promise<DiagnosticRecord[]> {
  const diagnostics: DiagnosticRecord[] = [];
  const refused = new Set<string>();
  const refuse = (pkg: string, reason: string, message: string) => {
    if (refused.has(`${pkg}\0${reason}`)) return;
    refused.add(`${pkg}\0${reason}`);
    diagnostics.push(diag("build", reason, message, "error", { path: "package-lock.json" }));
  };
  let files = 0;
  let bytes = 0;
  const walk = async (dir: string, pkg: string | undefined): Promise<boolean> => {
    for (const name of (await readdir(dir)).sort()) {
      const file = path.join(dir, name);
      const info = await lstat(file);
      files++;
      bytes += info.isFile() ? info.size : 0;
      if (files > caps.maxFiles || bytes > caps.maxBytes) {
        const what =
          files > caps.maxFiles
            ? `more than ${caps.maxFiles} files, the limit`
            : `more than ${caps.maxBytes} bytes, the limit`;
        diagnostics.push(
          diag(
            "build",
            "dependency_too_large",
            `the hook's installed dependencies hold ${what}: depend on fewer or smaller pure-JS packages`,
            "error",
            { path: "package-lock.json" },
          ),
        );
        return false;
      }
      const owner = packageOf(nodeModules, file) ?? pkg ?? name;
      if (info.isSymbolicLink()) {
        refuse(
          owner,
          "dependency_source",
          `package ${JSON.stringify(owner)} installs a symbolic link (${JSON.stringify(path.relative(nodeModules, file))}): a hook's dependencies are plain files`,
        );
      } else if (info.isDirectory()) {
        if (!(await walk(file, owner))) return false;
      } else if (name === "binding.gyp" || name.endsWith(".node")) {
        refuse(owner, "dependency_native", nativeMessage(owner, path.relative(nodeModules, file)));
      } else if (name === "package.json" && packageOf(nodeModules, dir) !== undefined) {
        await checkPackageJson(file, owner, refuse);
      }
    }
    return true;
  };
  await walk(nodeModules, undefined);
  return diagnostics;
}

/** The package whose root folder `dir` is (`node_modules/<name>` or `node_modules/@scope/<name>`), or undefined. */
function packageOf(nodeModules: string, dir: string): string | undefined {
  const parts = path.relative(nodeModules, dir).split(path.sep);
  const last = parts.lastIndexOf("node_modules");
  const rest = last === -1 ? parts : parts.slice(last + 1);
  if (rest.length === 1 && rest[0] !== undefined && !rest[0].startsWith("@") && !rest[0].startsWith("."))
    return rest[0];
  if (rest.length === 2 && rest[0]?.startsWith("@")) return `${rest[0]}/${rest[1]}`;
  return undefined;
}

function nativeMessage(pkg: string, file: string): string {
  return `package ${JSON.stringify(pkg)} has a native binding (${JSON.stringify(file)}): a hook runs in WebAssembly, its dependencies must be pure JavaScript; use a pure-JS package instead`;
}

/** Refuses a package whose package.json asks for an install script or a gyp build. */
async function checkPackageJson(
  file: string,
  pkg: string,
  refuse: (pkg: string, reason: string, message: string) => void,
): Promise<void> {
  let manifest: { scripts?: Record<string, unknown>; gypfile?: unknown };
  try {
    manifest = JSON.parse(await readFile(file, "utf8")) as typeof manifest;
  } catch {
    return;
  }
  const scripts = Object.keys(manifest.scripts ?? {}).filter((s) => INSTALL_SCRIPTS.includes(s));
  if (scripts.length > 0)
    refuse(
      pkg,
      "dependency_install_script",
      `package ${JSON.stringify(pkg)} has an install script (${scripts.join(", ")}): a hook's dependencies must be pure JavaScript (no install scripts, no native bindings); use a pure-JS package instead`,
    );
  if (manifest.gypfile === true) refuse(pkg, "dependency_native", nativeMessage(pkg, "package.json gypfile"));
}
