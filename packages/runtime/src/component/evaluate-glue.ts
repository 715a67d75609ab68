import { ExtensionError } from "@ameide-ext/contract";

// Kept apart from link-component.ts, which imports jco to transpile: pool workers evaluate glue and
// never load jco.

/** `instantiate(getCoreModule, imports, instantiateCore)`, as jco's sync glue exports it. */
export type GlueInstantiate = (
  getCoreModule: (name: string) => WebAssembly.Module,
  imports: Record<string, unknown>,
  instantiateCore: (module: WebAssembly.Module, imports: Record<string, unknown>) => WebAssembly.Instance,
) => Record<string, unknown>;

const EXPORT_LINE = /^export (function instantiate|const _util)\b/gm;

/**
 * What the glue's `WebAssembly.promising` throws where the engine has no
 * JSPI (Node 20): one error, made once. The glue tries `promising` on each
 * instantiation and falls back to the plain export when it throws; calling
 * the missing function instead made V8 build a new TypeError whose message
 * it words by parsing the glue again, 0.4 ms each, half of a TypeScript
 * hook's new instance.
 */
const NO_JSPI = new TypeError("WebAssembly.promising is not available in this engine");

/** The `WebAssembly` the glue sees: the real one, with a cheap `promising` where it is missing. */
const GLUE_WEBASSEMBLY: typeof WebAssembly =
  typeof (WebAssembly as { promising?: unknown }).promising === "function"
    ? WebAssembly
    : Object.freeze(
        Object.create(WebAssembly, {
          promising: {
            value: () => {
              throw NO_JSPI;
            },
          },
        }),
      );

/**
 * Turns the glue's source into its `instantiate` function. The glue is code
 * jco generated from the component's structure; it has no imports and exports
 * exactly `instantiate` (and `_util`), which is checked before it is run.
 */
export function evaluateGlue(glue: string): GlueInstantiate {
  const exported = [...glue.matchAll(/^export\s+(\S+\s+\S+)/gm)].map((m) => m[1]);
  const unexpected = exported.filter(
    (e) => e !== "function instantiate(getCoreModule," && e !== "const _util",
  );
  if (
    /^import\s/m.test(glue) ||
    unexpected.length > 0 ||
    !exported.includes("function instantiate(getCoreModule,")
  ) {
    throw new ExtensionError(
      "invalid_argument",
      "the component's linking glue has an unexpected shape",
      "invalid_module",
    );
  }
  const body = `${glue.replace(EXPORT_LINE, (_, decl: string) => decl)}\nreturn instantiate;`;
  return new Function("WebAssembly", body)(GLUE_WEBASSEMBLY) as GlueInstantiate;
}
