/** The environments, in promotion order. */
export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
/** One of {@link ENVIRONMENTS}. */
export type EnvName = (typeof ENVIRONMENTS)[number];

/** The languages a hook is written in (the manifest's `language`). */
export const HOOK_LANGUAGES = ["assemblyscript", "typescript"] as const;
/** One of {@link HOOK_LANGUAGES}. */
export type HookLanguage = (typeof HOOK_LANGUAGES)[number];

/**
 * A Domain primitive's name, as domain bindings name it (`orders`): lowercase letters, digits and hyphens,
 * starting with a letter or digit, at most 63 characters.
 */
export const DOMAIN_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** A domain extension point's name (`BeforeCreateOrder`): a letter, then letters and digits, at most 128. */
export const EXTENSION_POINT_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9]{0,127}$/;
