import { fileURLToPath } from "node:url";

/**
 * The hook templates, `templates/<lang>/<kind>/` at the root of the
 * repository: each is a complete hook (manifest, src/index.ts, tests/,
 * README.md) that builds and passes its own tests.
 */
export const TEMPLATES_DIR: string = fileURLToPath(new URL("../../../../templates/", import.meta.url));

/** Files and folders of a template that are never copied. */
export const TEMPLATE_IGNORED: ReadonlySet<string> = new Set(["dist", "node_modules", ".DS_Store"]);

/** A TypeScript template's editor configuration, which `new` rewrites for the new folder. */
export const TSCONFIG_FILE = "tsconfig.json";
