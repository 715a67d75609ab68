import { HOST_INTERFACE } from "@ameide-ext/contract";
import type { DiagnosticRecord, RevisionRecord } from "../domain/types.js";
import { diag } from "./compile-diagnostics.js";
import { readCoreImports } from "./read-core-imports.js";

const CALL_IMPORT = `${HOST_INTERFACE}#call`;

/** What {@link checkModulePolicy} checks: the built component of a revision and its fixtures. */
export interface ModulePolicyInput {
  rev: RevisionRecord;
  /** The built component's bytes. */
  component: Uint8Array;
  /** How many fixtures ran. */
  fixtures: number;
  /** Largest module stored, in bytes. */
  maxBytes: number;
}

/**
 * The static policy of a built module (`policy_check`): what the code imports against the host
 * calls the definition declares, what its risk tier allows, the module-size limit, and at least
 * one fixture. Errors refuse the version; a warning (host calls declared but never made) does not.
 */
export function checkModulePolicy({
  rev,
  component,
  fixtures,
  maxBytes,
}: ModulePolicyInput): DiagnosticRecord[] {
  const diagnostics: DiagnosticRecord[] = [];
  // A QuickJS component imports the whole host interface whether the hook calls host.call or not,
  // so its imports say nothing: for TypeScript the runtime's policy, which checks every call
  // against the allowlist, is the only check.
  const staticCheck = rev.language !== "typescript";
  const usesCall = staticCheck && readCoreImports(component).includes(CALL_IMPORT);
  if (usesCall && rev.hostCalls.length === 0)
    diagnostics.push(
      diag(
        "policy_check",
        "host_call_denied",
        `the code calls host.call, but the definition declares no host calls (risk tier ${rev.riskTier})`,
      ),
    );
  if (staticCheck && !usesCall && rev.hostCalls.length > 0)
    diagnostics.push(
      diag(
        "policy_check",
        "host_call_denied",
        `the definition declares ${rev.hostCalls.length} host call(s) the code never makes; declare only what it uses`,
        "warning",
      ),
    );
  if (rev.riskTier === "low" && rev.hostCalls.length > 0)
    diagnostics.push(diag("policy_check", "host_call_denied", "risk tier low allows no host calls"));
  if (rev.riskTier === "medium" && rev.hostCalls.some((h) => h.read_only !== true))
    diagnostics.push(
      diag("policy_check", "host_call_denied", "risk tier medium allows read-only host calls only"),
    );
  const moduleBytes = component.byteLength;
  if (moduleBytes > maxBytes)
    diagnostics.push(
      diag(
        "policy_check",
        "module_size",
        `the module is ${moduleBytes} bytes, the limit is ${maxBytes} bytes`,
      ),
    );
  if (fixtures === 0)
    diagnostics.push(
      diag(
        "policy_check",
        "invalid_input",
        "no fixtures: add tests/*.json (every version is tested before it is stored)",
      ),
    );
  return diagnostics;
}
