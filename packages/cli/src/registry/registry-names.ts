import { ENVIRONMENTS, type EnvName, ExtensionError } from "@ameide-ext/contract";
import {
  CompileStatus,
  Environment,
  type Extension,
  type ExtensionRevision,
  LifecycleState,
} from "@ameide-ext/proto";

export { ENVIRONMENTS, type EnvName };

/** `--env` checked: dev, staging or prod. */
export function checkEnvName(env: string | undefined): EnvName {
  if (env === undefined || !(ENVIRONMENTS as readonly string[]).includes(env))
    throw new ExtensionError(
      "invalid_argument",
      `--env is ${JSON.stringify(env ?? "")}: use dev, staging or prod`,
    );
  return env as EnvName;
}

/** Ours as the proto's Environment. */
export function envToProto(env: EnvName): Environment {
  return { dev: Environment.DEV, staging: Environment.STAGING, prod: Environment.PROD }[env];
}

/** The proto's Environment as ours ("" when unset). */
export function envName(env: Environment): EnvName | "" {
  switch (env) {
    case Environment.DEV:
      return "dev";
    case Environment.STAGING:
      return "staging";
    case Environment.PROD:
      return "prod";
    default:
      return "";
  }
}

/** A lifecycle state as its snake_case name: "promoted_dev". */
export function stateName(state: LifecycleState): string {
  return (LifecycleState[state] ?? "UNSPECIFIED").toLowerCase();
}

/** A compile status as "pending", "succeeded", "failed" or "" when none was requested. */
export function compileStatusName(status: CompileStatus | undefined): string {
  if (status === undefined || status === CompileStatus.UNSPECIFIED) return "";
  return (CompileStatus[status] ?? "").toLowerCase();
}

/** What each environment runs: `{ dev: "2", prod: "1" }`. */
export function deploymentsOf(ext: Extension | undefined): Partial<Record<EnvName, string>> {
  const out: Partial<Record<EnvName, string>> = {};
  for (const d of ext?.deployments ?? []) {
    const e = envName(d.env);
    if (e !== "") out[e] = d.activeVersion;
  }
  return out;
}

/** A compile result in a `--json` document. */
export interface CompileSummary {
  status: string;
  toolchain: string;
  moduleBytes: number;
  diagnostics: Array<{
    step: string;
    severity: string;
    reason: string;
    path: string;
    line: number;
    column: number;
    message: string;
  }>;
  tests: Array<{ name: string; passed: boolean; message: string; maxLimitRatio: number }>;
}

/** A revision's compile result as plain data. */
export function compileSummary(rev: ExtensionRevision | undefined): CompileSummary | null {
  const c = rev?.compileResult;
  if (!c) return null;
  return {
    status: compileStatusName(c.status),
    toolchain: c.toolchain,
    moduleBytes: Number(c.moduleBytes),
    diagnostics: c.diagnostics.map((d) => ({
      step: ["", "build", "abi_check", "policy_check"][d.step] ?? "",
      severity: ["", "error", "warning", "info"][d.severity] ?? "",
      reason: d.reason,
      path: d.path,
      line: d.line,
      column: d.column,
      message: d.message,
    })),
    tests: c.testResults.map((t) => ({
      name: t.name,
      passed: t.passed,
      message: t.message,
      maxLimitRatio: t.maxLimitRatio,
    })),
  };
}
