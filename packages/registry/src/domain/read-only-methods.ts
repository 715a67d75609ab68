import { ExtensionError } from "@ameide-ext/contract";
import { RULES, refuse } from "./governance.js";
import type { HostCallDecl } from "./types.js";

/**
 * The host methods the operator declares read-only: per host service (its full name, e.g.
 * `ameide.crm.v1.CustomerService`), its read-only methods. Default: none.
 */
export type ReadOnlyMethodsOptions = Readonly<Record<string, readonly string[]>>;

/**
 * Which host methods only read, as the operator says (spec 479 §6: a medium-risk extension may call
 * read-only methods only). The registry decides a host call's `read_only` from this, never from the
 * author's manifest: an author (or an agent capped at medium) cannot make a write method read-only
 * by labelling it so.
 */
export interface ReadOnlyMethods {
  /** True when the operator lists `method` as read-only for `service`. */
  isReadOnly(service: string, method: string): boolean;
  /** The host calls with `read_only` set to the registry's verdict (always a boolean). */
  verdict(calls: readonly HostCallDecl[]): HostCallDecl[];
  /**
   * Refuses (`failed_precondition`, rule `host_call_not_read_only`) a call that claims `read_only:
   * true` for a method the registry does not know as read-only; `where` names what made the claim.
   */
  checkClaims(calls: readonly HostCallDecl[], where: string): void;
}

/** Checks the operator's list once and builds the verdicts. */
export function createReadOnlyMethods(options: ReadOnlyMethodsOptions = {}): ReadOnlyMethods {
  const known = new Set<string>();
  for (const [service, methods] of Object.entries(options)) {
    if (service === "")
      throw badSetting(
        `a service name is empty: name the host service, e.g. "ameide.crm.v1.CustomerService"`,
      );
    if (!Array.isArray(methods))
      throw badSetting(`the read-only methods of ${JSON.stringify(service)} must be a list of method names`);
    for (const method of methods) {
      if (typeof method !== "string" || method === "")
        throw badSetting(
          `a read-only method of ${JSON.stringify(service)} is ${JSON.stringify(method)}: give a method name`,
        );
      known.add(key(service, method));
    }
  }
  const isReadOnly = (service: string, method: string) => known.has(key(service, method));
  return {
    isReadOnly,
    verdict: (calls) => calls.map((h) => ({ ...h, read_only: isReadOnly(h.service, h.method) })),
    checkClaims(calls, where) {
      const claimed = calls.find((h) => h.read_only === true && !isReadOnly(h.service, h.method));
      if (!claimed) return;
      const name = `${claimed.service}/${claimed.method}`;
      const fix = `drop "read_only" (the registry decides it), use a read-only method, or ask the operator to list ${name} under read_only_host_methods (on \`ameide-ext dev\` you are the operator: start it with --read-only ${name} if the method only reads)`;
      throw refuse(
        "failed_precondition",
        RULES.hostCallNotReadOnly,
        `${where} marks host call ${JSON.stringify(name)} read_only, but the registry does not know that method as read-only: ${fix}`,
        { service: claimed.service, method: claimed.method, fix },
      );
    },
  };
}

function key(service: string, method: string): string {
  return `${service}\u0000${method}`;
}

function badSetting(what: string): ExtensionError {
  return new ExtensionError("invalid_argument", `read_only_host_methods: ${what}`, "invalid_manifest");
}
