import { ExtensionError } from "@ameide-ext/contract";
import { CompileStatus, type ExtensionRevision, SourceLanguage } from "@ameide-ext/proto";
import type { HookLanguage, HookManifest } from "@ameide-ext/toolkit";
import { displayPath, loadManifest, resolveHookDir } from "@ameide-ext/toolkit";
import type { CliDeps } from "../deps.js";
import { type ApproveInvocation, approveInvocation } from "../report/cli-invocation.js";
import { collectSources, type HookSourceFile, sourcesDigest } from "./collect-sources.js";
import { CREATE_DRAFT_ATTEMPTS, createDraftOnce } from "./create-draft-once.js";
import { draftRequest } from "./draft-request.js";
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
  /**
   * The folder an agent may write (the MCP server's workspace root): the approve command a gate names never
   * runs a script from it (see `approveInvocation`). Default none (a person's promote).
   */
  agentRoot?: string | undefined;
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
  /** The version's author, who may not approve it (nor may any agent). */
  author: string;
  /** Who may give the approvals still missing, as the registry says. */
  mayApprove: {
    /** The reviewers who approved this request so far. */
    approvers: string[];
    /** Who may not: the author and those who approved already (and every agent, by rule). */
    excluded: string[];
    /**
     * The humans the registry knows for the tenant who may approve now; empty when it knows none
     * (then any other human, `user:<id>`, of the tenant may).
     */
    eligible: string[];
  };
  /**
   * The command that approves it, for a reviewer named in `mayApprove`: `ameide-ext approve …` when it is on
   * PATH or when this CLI's own script lies in the agent's folder (`agentRoot`: then `message` says to run it
   * from the reviewer's own install), else this CLI as it was started (`node <its script, by real path>`);
   * never one found in the working folder nor in the agent's (see `approveInvocation`).
   */
  approveCommand: string;
  /** For people. */
  message: string;
}

/** Why a promote did not reach its environment: the compile failed, or a promotion waits at a gate. */
export type PromoteStopReason = "compile_failed" | "gated";

/** The result of {@link promoteHook}. */
export interface PromoteHookResult {
  /**
   * True when the version reached `env`; false when the compile failed (its diagnostics and tests
   * say why) or a promotion waits for approvals (`gate` says who may give them).
   */
  ok: boolean;
  /** Why it stopped short of `env`; null when it reached it. */
  reason: PromoteStopReason | null;
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
  const files = await collectSources(dir);
  const run: PromoteRun = { options, deps, client, say, manifest, key };

  const found = await findOrCreateVersion(run, files, settings);
  const created = found.created;
  const version = found.rev?.definition?.version ?? "";
  const vkey = { ...key, version };
  await compileIfNeeded(run, found.rev, vkey, files);
  const rev = await waitForCompile(run, vkey);
  const compile = compileSummary(rev);
  const finish = async (gate: PromotionGate | null): Promise<PromoteHookResult> => {
    const got = await client.getExtension(vkey);
    const s = stateName(got.revision?.definition?.state ?? 0);
    const reason: PromoteStopReason | null =
      compile?.status !== "succeeded" ? "compile_failed" : gate ? "gated" : null;
    return {
      ok: reason === null,
      reason,
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
  return finish(await promoteToward(run, rev, vkey, env));
}

/** What the steps of one {@link promoteHook} share. */
interface PromoteRun {
  options: PromoteHookOptions;
  deps: CliDeps;
  client: RegistryClient;
  say: (line: string) => void;
  manifest: HookManifest;
  /** The tenant and extension. */
  key: { tenantId: string; extensionId: string };
}

/** A version of one extension: tenant, extension and version. */
type VersionKey = PromoteRun["key"] & { version: string };

/**
 * The registry's newest version when it has these sources (and was not rejected); else a new
 * draft, created at most once.
 */
async function findOrCreateVersion(
  run: PromoteRun,
  files: HookSourceFile[],
  settings: { url: string; tenant: string },
): Promise<{ rev: ExtensionRevision | undefined; created: boolean }> {
  const { client, say, manifest, key } = run;
  const digest = sourcesDigest(files);
  // Does the registry have these sources already?
  let rev: ExtensionRevision | undefined;
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
    return { rev, created: false };
  }
  say(`${manifest.id}: uploading ${files.length} files to ${settings.url} (tenant ${settings.tenant})`);
  // One id for this run's draft: a retry after a lost answer gets the same draft, not a second version.
  const draft = await createDraftOnce(client, draftRequest(key, manifest), {
    onRetry: (attempt, e) =>
      say(`CreateDraft: ${e.message}; retrying (${attempt + 1} of ${CREATE_DRAFT_ATTEMPTS})`),
  });
  rev = draft.revision;
  say(`created version ${rev?.definition?.version} (draft)`);
  return { rev, created: true };
}

/** Uploads the sources (unless the draft has them) and requests the compile, when the version needs one. */
async function compileIfNeeded(
  run: PromoteRun,
  rev: ExtensionRevision | undefined,
  vkey: VersionKey,
  files: HookSourceFile[],
): Promise<void> {
  const state = stateName(rev?.definition?.state ?? 0);
  if (state === "failed" || (state === "draft" && !rev?.compileResult)) {
    if (state === "failed" || (rev?.sources.length ?? 0) === 0) {
      await run.client.uploadSource({
        ...vkey,
        language: SOURCE_LANGUAGES[run.manifest.lang],
        files: files.map((f) => ({ path: f.path, content: f.content })),
        manifestJson: JSON.stringify(run.manifest),
      });
    }
    await run.client.requestCompile(vkey);
    run.say(`compiling version ${vkey.version} remotely (build, contract, policy checks, fixtures) ...`);
  }
}

/** Asks every `pollMs` until the version's compile is no longer pending; the version as it is then. */
async function waitForCompile(run: PromoteRun, vkey: VersionKey): Promise<ExtensionRevision | undefined> {
  const { options, deps } = run;
  const deadline = deps.now() + (options.compileTimeoutMs ?? 300_000);
  for (;;) {
    const got = await run.client.getExtension(vkey);
    const rev = got.revision;
    if (rev?.compileResult?.status !== CompileStatus.PENDING) return rev;
    if (deps.now() > deadline)
      throw new ExtensionError(
        "deadline_exceeded",
        `the compile of ${run.manifest.id} version ${vkey.version} did not finish in ${(options.compileTimeoutMs ?? 300_000) / 1000} s`,
      );
    await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
  }
}

/**
 * Requests promotion environment by environment (dev, then staging, then prod) up to `env`; the
 * gate of the first promotion that waits for approvals, or null when the version reached `env`.
 */
async function promoteToward(
  run: PromoteRun,
  compiled: ExtensionRevision | undefined,
  vkey: VersionKey,
  env: EnvName,
): Promise<PromotionGate | null> {
  const { say } = run;
  let rev = compiled;
  const state = () => stateName(rev?.definition?.state ?? 0);
  for (const target of ENVIRONMENTS.slice(0, ENVIRONMENTS.indexOf(env) + 1)) {
    const rank = RANK[state()] ?? 0;
    if (rank >= ENVIRONMENTS.indexOf(target) + 1) {
      say(`${target}: version ${vkey.version} is promoted (${state()})`);
      continue;
    }
    let pending = rev?.pendingPromotion;
    if (!pending || envName(pending.targetEnv) !== target) {
      const r = await run.client.requestPromotion({
        ...vkey,
        targetEnv: envToProto(target),
        comment: run.options.comment ?? "",
      });
      rev = r.revision;
      pending = rev?.pendingPromotion;
    }
    if (pending && envName(pending.targetEnv) === target) {
      // The reviewer runs it with their token: never a CLI found in the hook's folder or above (an agent's
      // workspace can plant a node_modules/.bin/ameide-ext), nor this CLI when the agent's root holds it.
      const cli = approveInvocation({
        env: run.deps.env,
        launch: run.deps.launch,
        agentRoot: run.options.agentRoot,
      });
      const gate = promotionGate(rev, pending, target, vkey, cli);
      say(`${target}: ${gate.message}`);
      return gate;
    }
    say(`${target}: promoted version ${vkey.version}`);
  }
  return null;
}

/** The gate of a promotion to `target` that waits for approvals: how many it needs, how many it has. */
function promotionGate(
  rev: ExtensionRevision | undefined,
  pending: NonNullable<ExtensionRevision["pendingPromotion"]>,
  target: EnvName,
  vkey: VersionKey,
  cli: ApproveInvocation,
): PromotionGate {
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
  const mayApprove = {
    approvers: [...pending.approvers],
    excluded: pending.excludedApprovers.length > 0 ? [...pending.excludedApprovers] : [author],
    eligible: [...pending.eligibleApprovers],
  };
  const who =
    mayApprove.eligible.length > 0
      ? `${mayApprove.eligible.join(" or ")} may approve`
      : `any human (user:<id>) of tenant ${vkey.tenantId} may approve`;
  const approveCommand = `${cli.command} approve ${vkey.extensionId} ${vkey.version} --env ${target}`;
  const where = cli.ownInstall
    ? " (run it from your own install of ameide-ext, outside the agent's workspace: the CLI this promote ran lies in that workspace, which the agent can change)"
    : "";
  return {
    env: target,
    rule: "approvals_required",
    approvalsRequired: need,
    approvals,
    author,
    mayApprove,
    approveCommand,
    message: `${target} waits for ${need} distinct human approval${need === 1 ? "" : "s"} (${approvals} so far): ${who}, not ${mayApprove.excluded.join(", ")} (the author${mayApprove.approvers.length ? " and who approved already" : ""}) nor an agent: ${approveCommand}${where}; then run this promote again to continue`,
  };
}
