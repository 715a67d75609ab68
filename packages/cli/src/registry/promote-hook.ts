import { ExtensionError } from "@ameide-ext/contract";
import {
  CompileStatus,
  ExtensionKind,
  type ExtensionRevision,
  RiskTier,
  SourceLanguage,
} from "@ameide-ext/proto";
import type { HookLanguage } from "@ameide-ext/toolkit";
import { displayPath, loadManifest, resolveHookDir } from "@ameide-ext/toolkit";
import type { CliDeps } from "../deps.js";
import { collectSources, sourcesDigest } from "./collect-sources.js";
import { CREATE_DRAFT_ATTEMPTS, createDraftOnce } from "./create-draft-once.js";
import { createRegistryClient, type RegistryClient } from "./registry-client.js";
import {
  type CompileSummary,
  checkEnvName,
  compileSummary,
  deploymentsOf,
  ENVIRONMENTS,
  type EnvName,
  envName,
  envToProto,
  stateName,
} from "./registry-names.js";
import { type RegistryFlags, resolveRegistrySettings } from "./registry-settings.js";

/** The registry's name for each language a manifest's `lang` names. */
const SOURCE_LANGUAGES: Readonly<Record<HookLanguage, SourceLanguage>> = {
  assemblyscript: SourceLanguage.ASSEMBLYSCRIPT,
  typescript: SourceLanguage.TYPESCRIPT,
};

/** Options of {@link promoteHook}. */
export interface PromoteHookOptions extends RegistryFlags {
  /** The hook's folder, absolute or relative to `deps.cwd`. Default the working directory. */
  dir?: string | undefined;
  /** Where to take it: dev, staging or prod. */
  env: string;
  /** Notes for the reviewers. */
  comment?: string | undefined;
  /** Longest wait for the remote compile, in milliseconds. Default 300,000. */
  compileTimeoutMs?: number | undefined;
  /** How often to ask whether the compile is done, in milliseconds. Default 250. */
  pollMs?: number | undefined;
  /** Progress lines, for people (stderr). */
  onProgress?: ((line: string) => void) | undefined;
  /** The client; default one for the resolved settings. */
  client?: RegistryClient | undefined;
}

/** What gates the next step: a promotion waiting for approvals. */
export interface PromotionGate {
  /** The environment the promotion waits for. */
  env: EnvName;
  /** The rule: `approvals_required` (§6.4). */
  rule: "approvals_required";
  /** Distinct human approvals it needs. */
  approvalsRequired: number;
  /** Approvals it has. */
  approvals: number;
  /** Who may not approve: the author (and every agent). */
  author: string;
  /** For people. */
  message: string;
}

/** The result of {@link promoteHook}. */
export interface PromoteHookResult {
  /** False when the compile failed (its diagnostics and tests say why). */
  ok: boolean;
  tenant: string;
  extension: string;
  version: string;
  /** True when this run created the version; false when the registry had these sources already. */
  created: boolean;
  /** The lifecycle state now: draft, in_review, promoted_dev… */
  state: string;
  /** The environment asked for. */
  env: EnvName;
  /** True when the version is active in (or past) `env`. */
  reached: boolean;
  /** What each environment runs now. */
  deployments: Partial<Record<EnvName, string>>;
  /** The promotion waiting for approvals, when one is. */
  gate: PromotionGate | null;
  /** The remote compile. */
  compile: CompileSummary | null;
}

const RANK: Record<string, number> = { promoted_dev: 1, promoted_staging: 2, promoted_prod: 3 };

function kindOf(kind: string): ExtensionKind {
  return (
    {
      process_hook: ExtensionKind.PROCESS_HOOK,
      domain_hook: ExtensionKind.DOMAIN_HOOK,
      agent_tool: ExtensionKind.AGENT_TOOL,
    }[kind] ?? ExtensionKind.UNSPECIFIED
  );
}
function tierOf(tier: string): RiskTier {
  return { low: RiskTier.LOW, medium: RiskTier.MEDIUM, high: RiskTier.HIGH }[tier] ?? RiskTier.UNSPECIFIED;
}

/**
 * `ameide-ext promote`: submits the hook in `dir` to the registry and carries
 * it toward `env`. When the registry's newest version has other sources, it
 * creates a new version (CreateDraft with a fresh request id, retried with
 * the same id when the registry is unreachable; UploadSource; RequestCompile) and waits
 * for the remote compile; when the sources are the same, it continues with
 * that version. Then it requests promotion environment by environment (dev,
 * then staging, then prod) until it reaches `env` or a promotion waits for
 * human approval, which it reports as the `gate`. A failed compile is not an
 * error: the result has `ok: false` with the diagnostics and tests. Throws
 * ExtensionError: a refusal names its rule in `details.rule`.
 */
export async function promoteHook(options: PromoteHookOptions, deps: CliDeps): Promise<PromoteHookResult> {
  const env = checkEnvName(options.env);
  const dir = resolveHookDir(options.dir, deps.cwd);
  const say = options.onProgress ?? (() => {});
  const { manifest } = await loadManifest(dir, deps.fs, displayPath(deps.cwd, dir));
  const settings = await resolveRegistrySettings(options, deps);
  const client = options.client ?? createRegistryClient(settings);
  const key = { tenantId: settings.tenant, extensionId: manifest.id };
  const files = await collectSources(dir, deps.fs);
  const digest = sourcesDigest(files);
  const manifestJson = JSON.stringify(manifest);

  // Does the registry have these sources already?
  let rev: ExtensionRevision | undefined;
  let created = false;
  try {
    const latest = await client.getExtension({ ...key, includeSources: true });
    const r = latest.revision;
    const same =
      r !== undefined &&
      sourcesDigest(r.sources.map((s) => ({ path: s.path, content: s.content }))) === digest;
    if (same && stateName(r.definition?.state ?? 0) !== "rejected") rev = r;
  } catch (cause) {
    if (ExtensionError.from(cause).code !== "not_found") throw cause;
  }
  if (rev) {
    say(
      `${manifest.id}: version ${rev.definition?.version} has these sources (${stateName(rev.definition?.state ?? 0)})`,
    );
  } else {
    say(`${manifest.id}: uploading ${files.length} files to ${settings.url} (tenant ${settings.tenant})`);
    // One id for this run's draft: a retry after a lost answer gets the same draft, not a second version.
    const draft = await createDraftOnce(
      client,
      {
        ...key,
        kind: kindOf(manifest.kind),
        riskTier: tierOf(manifest.risk_tier),
        limits: {
          cpuMillis: manifest.limits.cpu_millis,
          memoryMb: manifest.limits.memory_mb,
          timeoutMs: manifest.limits.timeout_ms,
          hostCallsPerInvocation: manifest.limits.host_calls_per_invocation ?? 0,
        },
        metadata: { description: manifest.metadata.description, tags: manifest.metadata.tags },
        hostCalls: manifest.host_calls.map((h) => ({ service: h.service, method: h.method })),
        inputSchemaJson: manifest.input_schema ? JSON.stringify(manifest.input_schema) : "",
        outputSchemaJson: manifest.output_schema ? JSON.stringify(manifest.output_schema) : "",
      },
      {
        onRetry: (attempt, e) =>
          say(`CreateDraft: ${e.message}; retrying (${attempt + 1} of ${CREATE_DRAFT_ATTEMPTS})`),
      },
    );
    rev = draft.revision;
    created = true;
    say(`created version ${rev?.definition?.version} (draft)`);
  }
  const version = rev?.definition?.version ?? "";
  const vkey = { ...key, version };
  const state = () => stateName(rev?.definition?.state ?? 0);

  if (state() === "failed" || (state() === "draft" && !rev?.compileResult)) {
    if (state() === "failed" || (rev?.sources.length ?? 0) === 0) {
      await client.uploadSource({
        ...vkey,
        language: SOURCE_LANGUAGES[manifest.lang],
        files: files.map((f) => ({ path: f.path, content: f.content })),
        manifestJson,
      });
    }
    await client.requestCompile(vkey);
    say(`compiling version ${version} remotely (build, contract, policy checks, fixtures) ...`);
  }
  // Wait for the compile.
  const deadline = deps.now() + (options.compileTimeoutMs ?? 300_000);
  for (;;) {
    const got = await client.getExtension(vkey);
    rev = got.revision;
    if (rev?.compileResult?.status !== CompileStatus.PENDING) break;
    if (deps.now() > deadline)
      throw new ExtensionError(
        "deadline_exceeded",
        `the compile of ${manifest.id} version ${version} did not finish in ${(options.compileTimeoutMs ?? 300_000) / 1000} s`,
      );
    await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
  }
  const compile = compileSummary(rev);
  const finish = async (gate: PromotionGate | null): Promise<PromoteHookResult> => {
    const got = await client.getExtension(vkey);
    const s = stateName(got.revision?.definition?.state ?? 0);
    return {
      ok: compile?.status === "succeeded",
      tenant: settings.tenant,
      extension: manifest.id,
      version,
      created,
      state: s,
      env,
      reached: (RANK[s] ?? 0) >= ENVIRONMENTS.indexOf(env) + 1,
      deployments: deploymentsOf(got.extension),
      gate,
      compile,
    };
  };
  if (compile?.status !== "succeeded") {
    say(`the compile of version ${version} failed`);
    return finish(null);
  }
  const passed = compile.tests.filter((t) => t.passed).length;
  say(
    `compiled: ${compile.moduleBytes} bytes with ${compile.toolchain}; ${passed} of ${compile.tests.length} fixtures passed`,
  );

  for (const target of ENVIRONMENTS.slice(0, ENVIRONMENTS.indexOf(env) + 1)) {
    const rank = RANK[state()] ?? 0;
    if (rank >= ENVIRONMENTS.indexOf(target) + 1) {
      say(`${target}: version ${version} is promoted (${state()})`);
      continue;
    }
    let pending = rev?.pendingPromotion;
    if (!pending || envName(pending.targetEnv) !== target) {
      const r = await client.requestPromotion({
        ...vkey,
        targetEnv: envToProto(target),
        comment: options.comment ?? "",
      });
      rev = r.revision;
      pending = rev?.pendingPromotion;
    }
    if (pending && envName(pending.targetEnv) === target) {
      const approvals =
        rev?.approvals.filter(
          (a) =>
            envName(a.env) === target &&
            a.time &&
            pending?.requestedAt &&
            a.time.seconds >= pending.requestedAt.seconds,
        ).length ?? 0;
      const author = rev?.definition?.metadata?.createdBy ?? "";
      const need = pending.approvalsRequired;
      const gate: PromotionGate = {
        env: target,
        rule: "approvals_required",
        approvalsRequired: need,
        approvals,
        author,
        message: `${target} waits for ${need} distinct human approval${need === 1 ? "" : "s"} (${approvals} so far); not by ${author}, the author, nor by an agent: ameide-ext approve ${manifest.id} ${version} --env ${target}`,
      };
      say(`${target}: ${gate.message}`);
      return finish(gate);
    }
    say(`${target}: promoted version ${version}`);
  }
  return finish(null);
}
