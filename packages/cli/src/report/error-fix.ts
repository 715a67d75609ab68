import { type ExtensionErrorData, explainError } from "@ameide-ext/contract";
import { explainRule } from "../registry/rule-guide.js";

/**
 * The one-line remedy of an error: the fix it brings in `details.fix`, else its rule's (a refusal's
 * `details.rule`, RULE_FIXES), else the contract's for its reason, else for its code (`explainError`).
 */
export function fixOf(error: Pick<ExtensionErrorData, "code" | "reason" | "details">): string {
  const details = error.details ?? {};
  if (typeof details.fix === "string" && details.fix !== "") return details.fix;
  const byRule = typeof details.rule === "string" ? explainRule(details.rule)?.fix : undefined;
  if (byRule !== undefined) return byRule;
  return explainError(error.reason === undefined ? { code: error.code } : { reason: error.reason }).fix;
}

/** An error's details with its {@link fixOf} in `fix`: what `--json` and the MCP tools report. */
export function detailsWithFix(
  error: Pick<ExtensionErrorData, "code" | "reason" | "details">,
): Record<string, unknown> & { fix: string } {
  return { ...error.details, fix: fixOf(error) };
}
