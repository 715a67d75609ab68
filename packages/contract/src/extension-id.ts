/**
 * The id an extension is known by within its tenant: lowercase kebab-case,
 * starting with a letter (the toolkit's `new` name, the registry's CreateDraft
 * id). Whoever checks an id written elsewhere (a BPMN Extension Task, a
 * binding) checks it against this one rule.
 */
export const EXTENSION_ID_PATTERN = "^[a-z][a-z0-9]*(-[a-z0-9]+)*$";

/** Bounds of an extension id's length, in characters. */
export const EXTENSION_ID_LENGTH = Object.freeze({ min: 3, max: 64 });

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
