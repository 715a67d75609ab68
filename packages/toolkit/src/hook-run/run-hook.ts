import { ExtensionError, RISK_TIERS, type RiskTier } from "@ameide-ext/contract";
import type { ExecutionContext } from "@ameide-ext/runtime";
import { type BuiltComponent, prepareHook, resolveHookDir } from "../hook-build/prepare-hook.js";
import type { EventSink } from "../hook-events.js";
import type { HostCallMock } from "../hook-fixtures/fixture-schema.js";
import type { HookManifest } from "../hook-manifest/manifest-schema.js";
import type { ToolkitDeps } from "../toolkit-deps.js";
import { createGuestStackMapper } from "./guest-stack.js";
import { type InvocationReport, invokeHook } from "./invoke-hook.js";
import { describeUsage } from "./limit-usage.js";

/** Options of {@link runHook}. */
export interface RunHookOptions {
  /** The hook's folder, absolute or relative to `deps.cwd`. Default: the working directory. */
  dir?: string;
  /** The input document. */
  input: unknown;
  /** The ExecutionContext. Default `{ "tenantId": "local", "env": "dev" }`. */
  ctx?: ExecutionContext;
  /** Runs under this risk tier instead of the manifest's: low, medium or high. */
  riskTier?: string;
  /** Answers to the host calls the hook makes (a fixture's `hostCalls` format). Default none. */
  hostCalls?: HostCallMock[];
  /** Progress events. */
  onEvent?: EventSink;
}

/** One invocation's result. */
export interface RunHookResult extends Omit<InvocationReport, "unexpectedHostCalls" | "unusedHostCalls"> {
  /** True when the hook returned an output. */
  ok: boolean;
  /** Absolute path of the hook's folder. */
  dir: string;
  /** The manifest. */
  manifest: HookManifest;
  /** The risk tier it ran under. */
  riskTier: RiskTier;
  /** The component it ran. */
  build: BuiltComponent;
  /** Limits at 80% or more, unanswered or unused host calls, an input off its schema. */
  warnings: string[];
}

/**
 * `ameide-ext run`: builds the hook when dist/ is missing or stale, then
 * invokes it once with the manifest's limits and host-call policy. An
 * invocation that ends in an error is a result (`ok` false), not a throw;
 * throws when the hook cannot be built or the request is refused
 * (`invalid_argument/input_size`, a bad `riskTier`).
 */
export async function runHook(options: RunHookOptions, deps: ToolkitDeps): Promise<RunHookResult> {
  const riskTier = options.riskTier;
  if (riskTier !== undefined && !(RISK_TIERS as readonly string[]).includes(riskTier)) {
    throw new ExtensionError(
      "invalid_argument",
      `--risk-tier is ${JSON.stringify(riskTier)}, it must be one of ${RISK_TIERS.join(", ")}`,
    );
  }
  const dir = resolveHookDir(options.dir, deps.cwd);
  const prepared = await prepareHook(
    { dir, rebuild: false, optimize: true },
    deps,
    options.onEvent ?? (() => {}),
  );
  try {
    const tier = (riskTier as RiskTier | undefined) ?? prepared.loaded.manifest.risk_tier;
    const stacks = createGuestStackMapper(prepared.layout, prepared.loaded.manifest.lang, deps.fs);
    const report = await stacks.map(
      invokeHook(prepared, {
        input: options.input,
        ctx: options.ctx,
        riskTier: tier,
        hostCalls: options.hostCalls,
        hint: "answer it with --host-calls <file>",
      }),
    );
    const { unexpectedHostCalls, unusedHostCalls, ...rest } = report;
    const warnings = [
      ...unexpectedHostCalls,
      ...unusedHostCalls.map((m) => m.replace(/^hostCalls/, "--host-calls")),
      // A technical error already says which limit ran out.
      ...report.usage
        .filter((u) => u.level === "warn" || (u.level === "over" && report.outcome !== "technical_error"))
        .map(describeUsage),
      ...prepared.loaded
        .checkInput(options.input)
        .map((p) => `the input does not match input_schema: ${p.field}: ${p.message}`),
    ];
    return {
      ...rest,
      ok: report.outcome === "ok",
      dir,
      manifest: prepared.loaded.manifest,
      riskTier: tier,
      build: prepared.build,
      warnings,
    };
  } finally {
    await prepared.engine.close();
  }
}
