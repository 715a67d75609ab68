import type { ExtensionErrorData } from "@ameide-ext/contract";

/**
 * The exit codes of `ameide-ext`, stable and documented in docs/cli.md:
 * 0 the command did its work; 1 the work failed (a failing test case, a
 * compile error, an invocation that ended in an error, a promotion that
 * stopped at a gate); 2 the command could not start (bad flags, bad
 * manifest, bad fixture file, non-empty folder); 3 a rule refused the
 * request (the registry's governance: `error.details.rule` names it, and
 * `error.details.fix` says what to do).
 */
export const EXIT_CODES = Object.freeze({ ok: 0, failed: 1, usage: 2, refused: 3 } as const);

/** One of {@link EXIT_CODES}. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** Reasons that mean the caller gave something wrong, not that the work failed. */
const USAGE_REASONS: ReadonlySet<string> = new Set([
  "invalid_manifest",
  "invalid_input",
  "invalid_limits",
  "input_size",
]);

/** The codes of a refusal by a named rule (`details.rule`); `unauthenticated` is a credential, not a rule's verdict. */
const RULE_CODES: ReadonlySet<string> = new Set([
  "permission_denied",
  "failed_precondition",
  "resource_exhausted",
]);

/**
 * The one mapping from an error to an exit code. Refused (3): a
 * `permission_denied`, `failed_precondition` or `resource_exhausted` that
 * names its rule in `details.rule` (self_approval, agent_cannot_approve,
 * agent_risk_tier, agent_environment, agent_rate, no_pending_promotion…). Usage (2): bad flags or
 * options (`invalid_argument` without a reason, or with reason
 * `invalid_manifest`, `invalid_input`, `invalid_limits`, `input_size`), a
 * missing hook or file (`not_found`), a folder in the way
 * (`failed_precondition` without a reason). Everything else, compile errors,
 * a module the runtime refuses and invocation errors included, is a failed
 * run (1).
 */
export function exitCodeFor(error: Pick<ExtensionErrorData, "code" | "reason" | "details">): ExitCode {
  if (RULE_CODES.has(error.code) && typeof error.details?.rule === "string") return EXIT_CODES.refused;
  switch (error.code) {
    case "invalid_argument":
      return error.reason === undefined || USAGE_REASONS.has(error.reason)
        ? EXIT_CODES.usage
        : EXIT_CODES.failed;
    case "not_found":
      return EXIT_CODES.usage;
    case "failed_precondition":
      return error.reason === undefined ? EXIT_CODES.usage : EXIT_CODES.failed;
    default:
      return EXIT_CODES.failed;
  }
}
