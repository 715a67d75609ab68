/** The environments, in promotion order. */
export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
/** One of {@link ENVIRONMENTS}. */
export type EnvName = (typeof ENVIRONMENTS)[number];

/** The languages a hook is written in (the manifest's `language`). */
export const HOOK_LANGUAGES = ["assemblyscript", "typescript"] as const;
/** One of {@link HOOK_LANGUAGES}. */
export type HookLanguage = (typeof HOOK_LANGUAGES)[number];
