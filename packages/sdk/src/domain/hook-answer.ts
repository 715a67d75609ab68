import { ExtensionError } from "@ameide-ext/contract";

/** One message of a domain hook's answer (the domain_hook template's: field, severity, code, message). */
export interface ValidationMessage {
  message: string;
  field?: string;
  severity?: string;
  code?: string;
  [key: string]: unknown;
}

/** A domain hook's answer: may the command go on, what is wrong or worth a look, what to store with it. */
export interface HookAnswer {
  ok: boolean;
  validationMessages: ValidationMessage[];
  derivedFields: Record<string, unknown>;
}

const KEYS = new Set(["ok", "validationMessages", "derivedFields"]);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Reads a hook's output as a {@link HookAnswer}, or throws
 * `internal/invalid_output` naming what is wrong: a malformed answer is a
 * technical error, never a silent pass.
 */
export function readHookAnswer(output: unknown, point: string): HookAnswer {
  const bad = (what: string): never => {
    throw new ExtensionError("internal", `the ${point} hook's answer ${what}`, "invalid_output");
  };
  if (!isObject(output)) return bad("is not a JSON object with ok, validationMessages and derivedFields");
  for (const k of Object.keys(output)) if (!KEYS.has(k)) bad(`has an unknown field ${JSON.stringify(k)}`);
  if (typeof output.ok !== "boolean") bad("has no boolean ok");
  const messages = output.validationMessages ?? [];
  if (!Array.isArray(messages)) return bad("has validationMessages that is not an array");
  messages.forEach((m, i) => {
    if (!isObject(m) || typeof m.message !== "string")
      bad(`has validationMessages[${i}] without a string message`);
  });
  const derived = output.derivedFields ?? {};
  if (!isObject(derived)) return bad("has derivedFields that is not an object");
  return {
    ok: output.ok as boolean,
    validationMessages: messages as ValidationMessage[],
    derivedFields: derived,
  };
}
