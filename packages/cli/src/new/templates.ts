import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Where `npm run pack:cli` puts the templates in the CLI's package (removed again in the repository). */
const PACKAGED_TEMPLATES = fileURLToPath(new URL("../../templates/", import.meta.url));

/**
 * The hook templates, `templates/<lang>/<kind>/`: each is a complete hook
 * (manifest, src/index.ts, tests/, README.md) that builds and passes its own
 * tests. In an installed CLI (a tarball of `npm run pack:cli`) they are in its
 * package; in the monorepo, at the root of the repository.
 */
export const TEMPLATES_DIR: string = existsSync(PACKAGED_TEMPLATES)
  ? PACKAGED_TEMPLATES
  : fileURLToPath(new URL("../../../../templates/", import.meta.url));

/** Files and folders of a template that are never copied. */
export const TEMPLATE_IGNORED: ReadonlySet<string> = new Set(["dist", "node_modules", ".DS_Store"]);

/** A TypeScript template's editor configuration, which `new` rewrites for the new folder. */
export const TSCONFIG_FILE = "tsconfig.json";
