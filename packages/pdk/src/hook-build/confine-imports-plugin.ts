import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Loader, OnLoadResult, OnResolveArgs, OnResolveResult, Plugin, PluginBuild } from "esbuild";
import { locateRange } from "./build-diagnostic.js";
import { computedImports } from "./computed-imports.js";
import { packageEntryOutside, undeclaredPackage } from "./hook-packages.js";
import { isNodeBuiltin, NODE_BUILTIN_RULE } from "./node-builtins.js";
import { isInside, type PathConfinement } from "./path-confinement.js";

/** Options of {@link createConfineImportsPlugin}. */
export interface ConfineImportsOptions {
  /** The hook's folder; its real path bounds what the hook's files import. */
  rootDir: string;
  /** The hook's module, which the generated entry imports by its absolute path. */
  entry: string;
  /** The generated entry's path as esbuild names the importer (`<resolveDir>/<sourcefile>`). */
  generatedEntry: string;
  /** The npm name of the PDK, and the module it means. */
  pdk: { name: string; entry: string; dir: string };
  /** Specifiers left to the runtime (the host interface). */
  external: readonly string[];
  /** The hook's folder and the PDK's, by real path. */
  confinement: PathConfinement;
}

/** The `detail` of the esbuild errors this plugin raises, to tell them from compile errors. */
export const FORBIDDEN_IMPORT_DETAIL = "ameide:forbidden_import";

/** The `detail` of the refusal of a Node built-in module (`node:fs`, or `fs` the hook has no package of). */
export const NODE_BUILTIN_DETAIL = "ameide:node_builtin";

/** Loaders by extension: code and JSON only, never text, binary, file, base64, dataurl or copy. */
const LOADERS: Readonly<Record<string, Loader>> = {
  ".ts": "ts",
  ".mts": "ts",
  ".cts": "ts",
  ".js": "js",
  ".mjs": "js",
  ".cjs": "js",
  ".json": "json",
};

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
/** Marks esbuild's own resolution, asked for from inside the plugin, so the plugin lets it through. */
const INNER = Symbol("confine-imports");

/**
 * An esbuild plugin that confines a hook's bundle to what the hook may read
 * (issue #10): relative imports inside the hook's folder by real path (a
 * symlink out is an escape), bare specifiers only to packages its
 * package.json declares, resolved inside its own node_modules, and the PDK.
 * Absolute paths, URLs (`file:`, `data:`), climbs out of the folder and
 * import attributes other than `{ type: "json" }` of its own files are
 * refused with an error whose `detail` is {@link FORBIDDEN_IMPORT_DETAIL}.
 * Every file loaded must have been resolved here, with a code or JSON loader.
 */
export function createConfineImportsPlugin(options: ConfineImportsOptions): Plugin {
  const approved = new Set<string>();
  return {
    name: "ameide-confine-imports",
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === INNER) return undefined;
        const outcome = await resolveConfined(build, args, options);
        // `events` or `buffer` may be an npm package the hook declares; refused, a built-in's name says why.
        if (isNodeBuiltin(args.path) && (typeof outcome === "string" || outcome.errors?.length))
          return { errors: [{ text: NODE_BUILTIN_RULE, detail: NODE_BUILTIN_DETAIL }] };
        if (typeof outcome === "string") return refuse(outcome);
        if (!outcome.external && outcome.path !== undefined) approved.add(outcome.path);
        return outcome;
      });
      build.onLoad({ filter: /.*/ }, async (args) => {
        if (!approved.has(args.path)) return refuse("it was not resolved by the build's rules");
        const loader = args.with.type === "json" ? "json" : LOADERS[path.extname(args.path)];
        if (loader === undefined)
          return refuse(`a ${path.extname(args.path) || "extensionless"} file is not code`);
        const contents = await readFile(args.path, "utf8");
        if (loader !== "json") {
          const computed = refuseComputedImports(args.path, contents);
          if (computed !== undefined) return computed;
        }
        return { contents, loader, resolveDir: path.dirname(args.path) };
      });
    },
  };
}

function refuse(why: string): { errors: [{ text: string; detail: string }] } {
  return { errors: [{ text: why, detail: FORBIDDEN_IMPORT_DETAIL }] };
}

/**
 * The computed imports of a module, refused where they are written, before
 * esbuild parses it and expands them as globs over the folders they name.
 */
function refuseComputedImports(file: string, text: string): OnLoadResult | undefined {
  const computed = computedImports(file, text);
  if (computed.length === 0) return undefined;
  return {
    errors: computed.map(({ start, end }) => {
      const { line, column, sourceLine, length } = locateRange(text, start, end);
      return {
        text: "a computed import() or require() (esbuild reads the folders it names)",
        detail: FORBIDDEN_IMPORT_DETAIL,
        location: { file, line, column: column - 1, lineText: sourceLine, length },
      };
    }),
  };
}

/** Where an import goes, or why it may not. */
async function resolveConfined(
  build: PluginBuild,
  args: OnResolveArgs,
  o: ConfineImportsOptions,
): Promise<OnResolveResult | string> {
  const spec = args.path;
  const attributes = Object.entries(args.with);
  if (attributes.some(([k, v]) => k !== "type" || v !== "json"))
    return `import attributes ${JSON.stringify(args.with)}: only { type: "json" } of the hook's own files`;
  if (o.external.includes(spec)) return { path: spec, external: true };
  if (spec === o.pdk.name) return { path: o.pdk.entry };
  if (args.importer === o.generatedEntry && spec === o.entry) return { path: o.entry };
  if (SCHEME.test(spec)) return `a URL (${spec.slice(0, spec.indexOf(":") + 1)})`;
  if (path.isAbsolute(spec)) return "an absolute path";
  const [hookRoot, pdkRoot] = o.confinement.roots as [string, string];
  const fromPdk = isInside(o.confinement.realPath(args.importer), pdkRoot);
  const bare = !spec.startsWith(".");
  if (bare && fromPdk) return "the PDK imports no packages";
  if (bare && !isInside(o.confinement.realPath(args.importer), path.join(hookRoot, "node_modules"))) {
    const undeclared = undeclaredPackage(spec, o.rootDir);
    if (undeclared !== undefined) return undeclared;
  }
  // By the import's text first: refusing only what esbuild found would tell which host files exist.
  const fromDir = o.confinement.realPath(args.resolveDir);
  if (!bare && !isInside(path.resolve(fromDir, spec), fromPdk ? pdkRoot : hookRoot))
    return "it leads outside the hook's folder";
  const entryOutside = bare ? packageEntryOutside(spec, fromDir, hookRoot) : undefined;
  if (entryOutside !== undefined) return entryOutside;
  const found = await build.resolve(spec, {
    kind: args.kind,
    importer: args.importer,
    resolveDir: args.resolveDir,
    namespace: args.namespace,
    with: args.with,
    pluginData: INNER,
  });
  if (found.errors.length > 0 || found.external || found.namespace !== "file")
    return found.errors.length > 0 ? { errors: found.errors } : "it does not resolve to a file";
  const real = o.confinement.realPath(found.path);
  const bound = fromPdk ? pdkRoot : bare ? path.join(hookRoot, "node_modules") : hookRoot;
  if (!isInside(real, bound))
    return bare
      ? "the package resolves outside the hook's node_modules"
      : "it leads outside the hook's folder";
  if (args.with.type === "json" && (fromPdk || !isInside(real, hookRoot)))
    return "JSON of the hook's own files only";
  return { path: found.path };
}
