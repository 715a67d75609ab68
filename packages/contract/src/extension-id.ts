/**
 * The id an extension is known by within its tenant: lowercase kebab-case,
 * starting with a letter, as the registry's CreateDraft accepts it. Whoever
 * checks an id written elsewhere (a BPMN Extension Task, a binding) checks it
 * against this rule, so it never refuses an extension the registry holds.
 * (The toolkit's `new` asks 3 characters or more of the names it scaffolds.)
 */
export const EXTENSION_ID_PATTERN = "^[a-z][a-z0-9]*(-[a-z0-9]+)*$";

/** Bounds of an extension id's length, in characters. */
export const EXTENSION_ID_LENGTH = Object.freeze({ min: 1, max: 64 });

const ID = new RegExp(EXTENSION_ID_PATTERN);

/** Tells whether `value` is a well-formed extension id ({@link EXTENSION_ID_PATTERN}, {@link EXTENSION_ID_LENGTH}). */
export function isExtensionId(value: unknown): value is string {
  return (
    typeof value === "string" &&
    value.length >= EXTENSION_ID_LENGTH.min &&
    value.length <= EXTENSION_ID_LENGTH.max &&
    ID.test(value)
  );
}
