import { ExtensionError } from "@ameide-ext/contract";

/** When a domain extension point's hook runs: before the command (it may veto or derive fields), or after it. */
export type ExtensionPointKind = "before" | "after";

/**
 * What the command does when the tenant's extension cannot answer (the runtime
 * unavailable, its breaker open, a limit, a malformed answer): `fail_closed`
 * refuses the command with a coded error, `fail_open` lets it go on with a
 * warning that is counted.
 */
export type FailurePolicy = "fail_closed" | "fail_open";

/** One extension point, as the domain declares it. */
export interface ExtensionPointSpec {
  kind: ExtensionPointKind;
  /** Default: `fail_closed` before, `fail_open` after. */
  failure?: FailurePolicy | undefined;
  /** The hook's deadline, ms, out of the command's own budget (§10.2: 50-150 ms per domain command). Default 100. */
  deadlineMs?: number | undefined;
  /** The JSON Schema of the view the hook sees, for the hook's authors (documentation; not checked here). */
  view?: Record<string, unknown> | undefined;
}

/** An extension point with its defaults filled in. */
export interface ExtensionPoint {
  name: string;
  kind: ExtensionPointKind;
  failure: FailurePolicy;
  deadlineMs: number;
}

/** The default deadline of a hook, ms: inside a domain command's 50-150 ms budget (spec 479 §10.2). */
export const DEFAULT_POINT_DEADLINE_MS = 100;

const NAME = /^[A-Z][A-Za-z0-9]{0,63}$/;

/**
 * Declares a domain's extension points (`BeforeCreateOrder`, …), checked once:
 * a PascalCase name, a kind, a failure policy, a positive deadline.
 */
export function defineExtensionPoints<P extends Record<string, ExtensionPointSpec>>(
  points: P,
): { readonly [K in keyof P]: ExtensionPoint } {
  const out: Record<string, ExtensionPoint> = {};
  for (const [name, spec] of Object.entries(points)) {
    const refuse = (what: string) => {
      throw new ExtensionError("invalid_argument", `extension point ${name}: ${what}`, "invalid_manifest");
    };
    if (!NAME.test(name)) refuse("the name must be PascalCase, like BeforeCreateOrder");
    if (spec.kind !== "before" && spec.kind !== "after")
      refuse(`kind is ${String(spec.kind)}: use before or after`);
    const failure = spec.failure ?? (spec.kind === "before" ? "fail_closed" : "fail_open");
    if (failure !== "fail_closed" && failure !== "fail_open")
      refuse(`failure is ${String(failure)}: use fail_closed or fail_open`);
    const deadlineMs = spec.deadlineMs ?? DEFAULT_POINT_DEADLINE_MS;
    if (!Number.isInteger(deadlineMs) || deadlineMs < 1)
      refuse(`deadlineMs is ${deadlineMs}: a positive integer`);
    out[name] = Object.freeze({ name, kind: spec.kind, failure, deadlineMs });
  }
  return Object.freeze(out) as { readonly [K in keyof P]: ExtensionPoint };
}
