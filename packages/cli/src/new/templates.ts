import { fileURLToPath } from "node:url";

/**
 * The hook templates, `templates/<lang>/<kind>/` at the root of the
 * repository: each is a complete hook (manifest, src/index.ts, tests/,
 * README.md) that builds and passes its own tests.
 */
export const TEMPLATES_DIR: string = fileURLToPath(new URL("../../../../templates/", import.meta.url));

/** The languages a hook can be written in. */
export const HOOK_LANGUAGES = ["assemblyscript"] as const;

/** One of {@link HOOK_LANGUAGES}. */
export type HookLanguage = (typeof HOOK_LANGUAGES)[number];

/** Files and folders of a template that are never copied. */
export const TEMPLATE_IGNORED: ReadonlySet<string> = new Set(["dist", "node_modules", ".DS_Store"]);
