import {
  EXTENSION_KINDS,
  ExtensionError,
  isExtensionId,
  RISK_TIERS,
  type RiskTier,
} from "@ameide-ext/contract";
import type { RegistryTx } from "../store/registry-store.js";
import { checkAgentRate, checkAgentRiskTier } from "./agent-guardrails.js";
import { COMPILE_CANCELLED_REASON, compileUnlessAborted } from "./cancelable-compile.js";
import type { CompileTicket } from "./compile-budget.js";
import { deploy } from "./deployments.js";
import { type DraftRequestKey, draftRequestKey } from "./draft-request-key.js";
import { APPROVALS_REQUIRED, RULES, refuse } from "./governance.js";
import type { Caller, CreateDraftInput, Registry, RevisionView, VersionKey } from "./registry.js";
import { type RegistryContext, SYSTEM_RULES } from "./registry-context.js";
import {
  type DraftRequestRecord,
  type HostCallDecl,
  promotedRank,
  type RevisionRecord,
  SOURCE_LANGUAGES,
} from "./types.js";

// Authoring: a version's life as a draft. CreateDraft makes the version, UploadSource gives it its
// sources, RequestCompile queues the compile worker, whose outcome is recorded here too (and, for a
// tier that needs no approval, deploys the version to dev).

/** Most files one upload may carry: the compile worker writes each before its child (and time limit) starts. */
export const MAX_SOURCE_FILES = 2000;
/** Longest source path, in characters. */
export const MAX_SOURCE_PATH_CHARS = 512;
const SYSTEM_COMPILER = "system:compile-worker";

/** UploadSource's request. */
type UploadInput = Parameters<Registry["uploadSource"]>[1];

/** The upload's size in files and its paths' lengths and characters, before anything is written. */
function checkSourceFiles(files: ReadonlyArray<{ path: string }>): void {
  if (files.length > MAX_SOURCE_FILES)
    throw new ExtensionError(
      "invalid_argument",
      `the upload has ${files.length} files, the limit is ${MAX_SOURCE_FILES}`,
      "invalid_input",
      { field: "files", limit: MAX_SOURCE_FILES, actual: files.length },
    );
  for (const f of files) {
    const shown = JSON.stringify(f.path.slice(0, 80)) + (f.path.length > 80 ? "…" : "");
    if (f.path.length > MAX_SOURCE_PATH_CHARS)
      throw new ExtensionError(
        "invalid_argument",
        `source path ${shown} is ${f.path.length} characters, the limit is ${MAX_SOURCE_PATH_CHARS}`,
        "invalid_input",
        { field: "files.path", limit: MAX_SOURCE_PATH_CHARS, actual: f.path.length },
      );
    if (/\p{Cc}/u.test(f.path))
      throw new ExtensionError(
        "invalid_argument",
        `source path ${shown} has a control character (a NUL byte, a newline…)`,
        "invalid_input",
        { field: "files.path" },
      );
  }
}

function manifestHostCalls(manifestJson: string): HostCallDecl[] {
  try {
    const m = JSON.parse(manifestJson) as { host_calls?: unknown };
    if (!Array.isArray(m.host_calls)) return [];
    // A hostile manifest may carry anything: keep the entries that are objects (the compile checks the rest).
    return m.host_calls.filter((h): h is HostCallDecl => typeof h === "object" && h !== null);
  } catch {
    return [];
  }
}

/** The risk tier an uploaded manifest claims, when it names one. */
function manifestRiskTier(manifestJson: string): RiskTier | undefined {
  try {
    const tier = (JSON.parse(manifestJson) as { risk_tier?: unknown }).risk_tier;
    return RISK_TIERS.find((t) => t === tier);
  } catch {
    return undefined;
  }
}

/** Refuses a CreateDraft whose id, kind or tier is invalid, or whose tier is above the agent's maximum. */
function checkDraftInput(ctx: RegistryContext, caller: Caller, input: CreateDraftInput): void {
  ctx.checkTenant(caller, input.tenantId);
  if (!isExtensionId(input.extensionId))
    throw new ExtensionError(
      "invalid_argument",
      `extension_id ${JSON.stringify(input.extensionId)} must be lowercase kebab-case (a-z, 0-9, "-"), at most 64 characters`,
    );
  if (!EXTENSION_KINDS.includes(input.kind))
    throw new ExtensionError("invalid_argument", "kind is required: process_hook, domain_hook or agent_tool");
  if (!RISK_TIERS.includes(input.riskTier))
    throw new ExtensionError("invalid_argument", "risk_tier is required: low, medium or high");
  checkAgentRiskTier(ctx.governance, caller, input.riskTier, "create extensions");
  ctx.readOnly.checkClaims(input.hostCalls ?? [], "CreateDraft's host_calls");
}

/** A replayed CreateDraft: the draft the first request made, when the payload is the same. */
async function replayed(
  ctx: RegistryContext,
  tx: RegistryTx,
  earlier: DraftRequestRecord,
  replay: DraftRequestKey,
): Promise<RevisionView> {
  if (earlier.payloadSha256 !== replay.payloadSha256)
    throw refuse(
      "failed_precondition",
      RULES.requestIdReused,
      `request_id ${JSON.stringify(replay.requestId)} created version ${earlier.version} of ${earlier.extensionId} with another payload: send a new request_id for a new draft`,
      { requestId: replay.requestId, extensionId: earlier.extensionId, version: earlier.version },
    );
  const rev = await ctx.loadRevision(tx, { ...earlier });
  return ctx.view(tx, rev);
}

/** CreateDraft: the extension's next version, a draft (with the sources of `baseVersion`, if named). */
async function createDraft(
  ctx: RegistryContext,
  caller: Caller,
  input: CreateDraftInput,
): Promise<RevisionView> {
  checkDraftInput(ctx, caller, input);
  const replay = draftRequestKey(input);
  return ctx.write(async (tx) => {
    const at = ctx.now().toISOString();
    const request = replay && { tenantId: input.tenantId, principal: caller.actor, ...replay };
    if (request) {
      const earlier = await tx.claimDraftRequest({
        ...request,
        extensionId: input.extensionId,
        createdAt: at,
      });
      if (earlier) return replayed(ctx, tx, earlier, request);
    }
    await checkAgentRate(ctx.governance, tx, caller, ctx.now());
    const ext = await tx.getExtension(input.tenantId, input.extensionId, true);
    let base: RevisionRecord | undefined;
    if (input.baseVersion) {
      base = await ctx.loadRevision(tx, { ...input, version: input.baseVersion });
    }
    const version = String(ext ? Number(ext.latestVersion) + 1 : 1);
    if (ext) await tx.setLatestVersion(input.tenantId, input.extensionId, version);
    else
      await tx.insertExtension({
        tenantId: input.tenantId,
        extensionId: input.extensionId,
        latestVersion: version,
        createdAt: at,
      });
    const rev: RevisionRecord = {
      tenantId: input.tenantId,
      extensionId: input.extensionId,
      version,
      state: "draft",
      rowVersion: 1,
      kind: input.kind,
      riskTier: input.riskTier,
      limits: input.limits ?? {},
      hostCalls: ctx.readOnly.verdict(input.hostCalls ?? []),
      description: input.description ?? "",
      createdBy: caller.actor,
      tags: input.tags ?? [],
      inputSchemaJson: input.inputSchemaJson ?? "",
      outputSchemaJson: input.outputSchemaJson ?? "",
      baseVersion: input.baseVersion ?? "",
      language: base?.language ?? "",
      sources: base?.sources ?? [],
      manifestJson: base?.manifestJson ?? "",
      wasmBlobRef: "",
      sha256: "",
      createdAt: at,
      updatedAt: at,
    };
    await tx.insertRevision(rev);
    if (request) await tx.completeDraftRequest(request, version);
    await ctx.event(tx, rev, { type: "draft_created", actor: caller.actor, toState: "draft" });
    return ctx.view(tx, rev);
  });
}

/** UploadSource: replaces a draft's (or failed version's) sources; it is a draft again, not compiled. */
async function uploadSource(ctx: RegistryContext, caller: Caller, input: UploadInput): Promise<RevisionView> {
  ctx.checkTenant(caller, input.tenantId);
  if (!(SOURCE_LANGUAGES as readonly string[]).includes(input.language))
    throw new ExtensionError(
      "invalid_argument",
      `language is ${JSON.stringify(input.language)}, it must be one of ${SOURCE_LANGUAGES.join(", ")} (the pinned toolchains)`,
    );
  checkSourceFiles(input.files);
  for (const f of input.files)
    if (
      f.path === "" ||
      f.path.startsWith("/") ||
      f.path.split("/").some((s) => s === ".." || s === "." || s === "")
    )
      throw new ExtensionError(
        "invalid_argument",
        `source path ${JSON.stringify(f.path)} must be relative, "/"-separated, without "." or ".."`,
      );
  const claimed = manifestRiskTier(input.manifestJson);
  if (claimed) checkAgentRiskTier(ctx.governance, caller, claimed, "upload sources");
  ctx.readOnly.checkClaims(manifestHostCalls(input.manifestJson), "the manifest (extension.json)");
  return ctx.write(async (tx) => {
    const rev = await ctx.loadRevision(tx, input, true);
    checkAgentRiskTier(ctx.governance, caller, rev.riskTier, "upload sources");
    // Who wrote the code is who created the version: the self-approval rule and the review page rely on it.
    if (rev.createdBy !== caller.actor)
      throw refuse(
        "permission_denied",
        RULES.notTheAuthor,
        `version ${rev.version} of ${rev.extensionId} is ${rev.createdBy}'s: only its author uploads its sources; create a version of your own (CreateDraft, from version ${rev.version} as its base)`,
        { author: rev.createdBy },
      );
    if (rev.state !== "draft" && rev.state !== "failed")
      throw refuse(
        "failed_precondition",
        RULES.notADraft,
        `version ${rev.version} is ${rev.state}: sources change only in a draft; create a new version`,
        { state: rev.state },
      );
    // read_only is the registry's verdict (read-only-methods.ts), never the manifest's.
    const hostCalls = ctx.readOnly.verdict(rev.hostCalls);
    const updated = await tx.updateRevision({
      ...rev,
      hostCalls,
      state: "draft",
      language: input.language,
      sources: input.files,
      manifestJson: input.manifestJson,
      compile: undefined,
      wasmBlobRef: "",
      sha256: "",
      updatedAt: ctx.now().toISOString(),
    });
    await ctx.event(tx, rev, {
      type: "source_uploaded",
      actor: caller.actor,
      fromState: rev.state,
      toState: "draft",
      data: { files: input.files.length },
    });
    return ctx.view(tx, updated);
  });
}

/** Refuses a compile of `rev` unless it is a draft with sources, not compiling and not compiled. */
function checkCompilable(rev: RevisionRecord): void {
  if (rev.state !== "draft")
    throw refuse(
      "failed_precondition",
      rev.state === "failed" ? RULES.revisionClosed : RULES.notADraft,
      `version ${rev.version} is ${rev.state}: only a draft compiles (upload sources again after a failure)`,
      { state: rev.state },
    );
  if (rev.sources.length === 0 || rev.manifestJson === "")
    throw refuse(
      "failed_precondition",
      RULES.noSources,
      `version ${rev.version} has no sources: UploadSource first`,
    );
  if (rev.compile?.status === "pending")
    throw refuse("failed_precondition", RULES.compilePending, `version ${rev.version} is already compiling`);
  if (rev.compile?.status === "succeeded")
    throw refuse("failed_precondition", RULES.alreadyCompiled, `version ${rev.version} compiled already`);
}

/** `p`, giving back the compile budget's `ticket` when it fails (the compile never starts). */
async function cancelOnFailure<T>(ticket: CompileTicket, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (cause) {
    ticket.cancel();
    throw cause;
  }
}

/**
 * RequestCompile: marks the compile pending and queues it as background work (see {@link runCompile}).
 * The caller's compile budget is taken first, before any work (`compile_rate`); a request the rules
 * then refuse gives it back.
 */
async function requestCompile(ctx: RegistryContext, caller: Caller, key: VersionKey): Promise<RevisionView> {
  ctx.checkTenant(caller, key.tenantId);
  const ticket = ctx.compileBudget.take(caller.actor, ctx.now().getTime());
  const marked = ctx.write(async (tx) => {
    const rev = await ctx.loadRevision(tx, key, true);
    checkCompilable(rev);
    const updated = await tx.updateRevision({
      ...rev,
      compile: {
        status: "pending",
        toolchain: "",
        diagnostics: [],
        tests: [],
        moduleBytes: 0,
        startedAt: ctx.now().toISOString(),
      },
      updatedAt: ctx.now().toISOString(),
    });
    await ctx.event(tx, rev, {
      type: "compile_requested",
      actor: caller.actor,
      fromState: rev.state,
      toState: rev.state,
    });
    return ctx.view(tx, updated);
  });
  const result = await cancelOnFailure(ticket, marked);
  ctx.track(
    runCompile(ctx, key)
      .catch((cause: unknown) => ctx.onError(ExtensionError.from(cause)))
      .finally(() => ticket.release()),
  );
  return result;
}

/**
 * Compiles `key` with the compile worker and records the outcome, unless the sources were replaced
 * meanwhile. §6.4: a low-risk extension goes to dev as soon as compile and tests pass.
 */
async function runCompile(ctx: RegistryContext, key: VersionKey): Promise<void> {
  const compiler = ctx.compiler;
  if (!compiler) return;
  const stored = await ctx.store.transaction((tx) => ctx.loadRevision(tx, key));
  // The policy check sees the operator's current verdict, not what was stored under an older list.
  const rev = { ...stored, hostCalls: ctx.readOnly.verdict(stored.hostCalls) };
  const outcome = await compileUnlessAborted(compiler, rev, ctx.shutdown.signal, ctx.now, ctx.onError);
  const cancelled = outcome.record.diagnostics.some((d) => d.reason === COMPILE_CANCELLED_REASON);
  await ctx.write(async (tx, changed) => {
    let current = await ctx.loadRevision(tx, key, true);
    if (current.compile?.status !== "pending") return; // sources replaced meanwhile: this result is stale
    const ok = outcome.record.status === "succeeded";
    const from = current.state;
    current = await tx.updateRevision({
      ...current,
      // A compile the shutdown cut short is no verdict on the sources: the draft may compile again.
      state: ok || cancelled ? current.state : "failed",
      compile: outcome.record,
      wasmBlobRef: ok ? (outcome.wasmBlobRef ?? "") : "",
      sha256: ok ? (outcome.sha256 ?? "") : "",
      updatedAt: ctx.now().toISOString(),
    });
    await ctx.event(tx, current, {
      type: ok ? "compile_succeeded" : "compile_failed",
      actor: SYSTEM_COMPILER,
      fromState: from,
      toState: current.state,
      data: ok
        ? {
            sha256: current.sha256,
            wasmBlobRef: current.wasmBlobRef,
            moduleBytes: outcome.record.moduleBytes,
          }
        : {
            errors: outcome.record.diagnostics.filter((d) => d.severity === "error").length,
            failedTests: outcome.record.tests.filter((t) => !t.passed).length,
            ...(cancelled ? { reason: COMPILE_CANCELLED_REASON } : {}),
          },
    });
    if (ok && APPROVALS_REQUIRED[current.riskTier].dev === 0 && promotedRank(current.state) === 0) {
      const comment = "auto-promotion: low risk tier, compile and tests passed";
      await deploy(ctx, tx, changed, current, { env: "dev", actor: SYSTEM_RULES, comment });
    }
  });
}

/** The authoring RPCs: CreateDraft, UploadSource, RequestCompile. */
export function createAuthoring(
  ctx: RegistryContext,
): Pick<Registry, "createDraft" | "uploadSource" | "requestCompile"> {
  return {
    createDraft: (caller, input) => createDraft(ctx, caller, input),
    uploadSource: (caller, input) => uploadSource(ctx, caller, input),
    requestCompile: (caller, key) => requestCompile(ctx, caller, key),
  };
}
