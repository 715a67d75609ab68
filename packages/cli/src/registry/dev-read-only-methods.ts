import { ExtensionError } from "@ameide-ext/contract";

/** A host service's full proto name (as the registry config's `read_only_host_methods` keys it). */
const SERVICE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
/** A method name (as the registry config's `read_only_host_methods` lists it). */
const METHOD = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `ameide-ext dev --read-only <service>/<method>` (repeatable) as the registry config's
 * `read_only_host_methods`: per service, its read-only methods, each once. On the dev stack the developer is
 * the registry's operator, so they declare which host methods only read; the stack's registry then decides
 * host calls' `read_only` from this, as a deployed one does from its operator's config. Refuses
 * (`invalid_argument`, `invalid_input`) a value not of that form, before anything is written.
 */
export function parseReadOnlyMethods(values: readonly string[] | undefined): Record<string, string[]> {
  const methods = new Map<string, string[]>();
  for (const value of values ?? []) {
    const [service = "", method = "", ...rest] = value.split("/");
    if (rest.length > 0 || !SERVICE.test(service) || !METHOD.test(method) || service.length > 256)
      throw new ExtensionError(
        "invalid_argument",
        `--read-only is ${JSON.stringify(value)}: give <service>/<method>, the service's full proto name, e.g. --read-only ameide.crm.v1.AccountService/GetChurnRisk`,
        "invalid_input",
        { field: "--read-only", value },
      );
    const listed = methods.get(service) ?? [];
    if (!listed.includes(method)) listed.push(method);
    methods.set(service, listed);
  }
  // fromEntries defines own properties: a service named "__proto__" stays a key.
  return Object.fromEntries(methods);
}

/**
 * The `dev` flags that declare a manifest's `read_only` host calls read-only on the dev stack, each once:
 * what `new` and the host_call_not_read_only refusal print, so a scaffolded agent_tool promotes there.
 */
export function readOnlyFlagsOf(
  hostCalls: readonly { service: string; method: string; read_only?: boolean | undefined }[] | undefined,
): string[] {
  const flags = (hostCalls ?? [])
    .filter((h) => h.read_only === true)
    .map((h) => `--read-only ${h.service}/${h.method}`);
  return [...new Set(flags)];
}
