import type { ExtensionError } from "@ameide-ext/contract";
import type { DiagnosticRecord } from "../domain/types.js";

/** One diagnostic of a compile; `at` places it in a file (default none: path "", line and column 0). */
export function diag(
  step: DiagnosticRecord["step"],
  reason: string,
  message: string,
  severity: DiagnosticRecord["severity"] = "error",
  at: Partial<Pick<DiagnosticRecord, "path" | "line" | "column">> = {},
): DiagnosticRecord {
  return { step, severity, reason, message, path: at.path ?? "", line: at.line ?? 0, column: at.column ?? 0 };
}

/** Refusals of the contract check: a diagnostic of the `abi_check` step, not of the build. */
const ABI_REASONS = [
  "forbidden_import",
  "missing_export",
  "contract_mismatch",
  "not_a_component",
  "invalid_module",
  "module_size",
  "unsupported_feature",
];

/** Diagnostics of a build or check the CLI library refused; paths are relative to the hook's `dir`. */
export function diagnosticsOf(error: ExtensionError, dir: string): DiagnosticRecord[] {
  const details = error.details ?? {};
  // The build's refusals name each import at its file and line: one record each, like compile errors.
  const located = error.reason === "compile_error" || error.reason === "forbidden_import";
  if (located && Array.isArray(details.diagnostics)) {
    const reason = error.reason as string;
    return (details.diagnostics as Array<Record<string, unknown>>).map((d) => ({
      step: "build",
      severity: d.severity === "warning" ? "warning" : "error",
      reason,
      path: String(d.file ?? "").startsWith(`${dir}/`)
        ? String(d.file).slice(dir.length + 1)
        : String(d.file ?? ""),
      line: Number(d.line ?? 0),
      column: Number(d.column ?? 0),
      message: `${String(d.code ?? "")} ${String(d.message ?? "")}`.trim(),
    }));
  }
  if (error.reason === "invalid_manifest" && Array.isArray(details.problems)) {
    return (details.problems as Array<{ field: string; message: string }>).map((p) =>
      diag("policy_check", "invalid_manifest", `extension.json ${p.field}: ${p.message}`, "error", {
        path: "extension.json",
      }),
    );
  }
  const step = error.reason !== undefined && ABI_REASONS.includes(error.reason) ? "abi_check" : "build";
  return [diag(step, error.reason ?? error.code, error.message)];
}
