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

/** Keys that, merged or assigned by a domain (`Object.assign`, a deep merge), reshape an object's prototype. */
const PROTOTYPE_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** The path of the first prototype key in `value`, at any depth, by a stack (a deep answer cannot overflow it). */
function prototypeKeyPath(value: unknown): string | undefined {
  const pending: [unknown, string][] = [[value, ""]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [v, path] = next;
    if (typeof v !== "object" || v === null) continue;
    for (const [k, child] of Object.entries(v)) {
      const at = Array.isArray(v) ? `${path}[${k}]` : `${path}.${k}`;
      if (!Array.isArray(v) && PROTOTYPE_KEYS.has(k)) return at;
      pending.push([child, at]);
    }
  }
  return undefined;
}

/**
 * Reads a hook's output as a {@link HookAnswer}, or throws
 * `internal/invalid_output` naming what is wrong: a malformed answer is a
 * technical error, never a silent pass. Derived fields and messages may not
 * hold a `__proto__`, `constructor` or `prototype` key at any depth.
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
    const key = prototypeKeyPath(m);
    if (key !== undefined)
      bad(`has a prototype key at validationMessages[${i}]${key}; name the field otherwise`);
  });
  const derived = output.derivedFields ?? {};
  if (!isObject(derived)) return bad("has derivedFields that is not an object");
  const key = prototypeKeyPath(derived);
  if (key !== undefined) bad(`has a prototype key at derivedFields${key}; name the field otherwise`);
  return {
    ok: output.ok as boolean,
    validationMessages: messages as ValidationMessage[],
    derivedFields: derived,
  };
}
