import { createHash } from "node:crypto";
import { ExtensionError } from "@ameide-ext/contract";

/** What MCP, OpenAI function calling and Anthropic tool use all accept as a tool's name. */
export const TOOL_NAME_PATTERN = "^[a-zA-Z0-9_-]{1,64}$";

/** The longest tool name the three formats accept. */
export const MAX_TOOL_NAME_LENGTH = 64;

// A shortened name keeps this many hex digits of the id's sha256, so two long ids that share a prefix stay apart.
const HASH_DIGITS = 8;

/**
 * The tool name of an extension id: the id itself when it is already a valid
 * name (a hook id, kebab-case, always is); else each character outside
 * `[a-zA-Z0-9_-]` becomes `_`, and an id over 64 characters is cut to 55 and
 * ends with `_` and 8 hex digits of its sha256. Two ids that differ only by
 * the characters replaced map to one name: give such a tool its own `name`.
 */
export function toolNameFor(extensionId: string): string {
  if (extensionId === "")
    throw new ExtensionError(
      "invalid_argument",
      'the extension id is empty; give the manifest\'s "id"',
      "invalid_manifest",
      { field: "id" },
    );
  const name = extensionId.replace(/[^a-zA-Z0-9_-]/g, "_");
  if (name.length <= MAX_TOOL_NAME_LENGTH) return name;
  const hash = createHash("sha256").update(extensionId).digest("hex").slice(0, HASH_DIGITS);
  return `${name.slice(0, MAX_TOOL_NAME_LENGTH - HASH_DIGITS - 1)}_${hash}`;
}

/** Checks a tool name given by the caller; throws `invalid_argument/invalid_input` quoting it. */
export function checkToolName(name: string): string {
  if (new RegExp(TOOL_NAME_PATTERN).test(name)) return name;
  throw new ExtensionError(
    "invalid_argument",
    `the tool name ${JSON.stringify(name)} is not 1 to 64 letters, digits, "_" or "-" (${TOOL_NAME_PATTERN}), which MCP, OpenAI and Anthropic require`,
    "invalid_input",
    { name },
  );
}
