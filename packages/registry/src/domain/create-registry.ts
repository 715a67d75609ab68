import { randomUUID } from "node:crypto";
import {
  EXTENSION_KINDS,
  ExtensionError,
  type ExtensionKind,
  RISK_TIERS,
  type RiskTier,
} from "@ameide-ext/contract";
import type { RegistryStore, RegistryTx } from "../store/registry-store.js";
import { COMPILE_CANCELLED_REASON, compileUnlessAborted, settlesWithin } from "./cancelable-compile.js";
import { type DraftRequestKey, draftRequestKey } from "./draft-request-key.js";
import {
  APPROVALS_REQUIRED,
  createGovernance,
  type GovernanceOptions,
  highTierShortfalls,
  isAgent,
  RULES,
  refuse,
  tierRank,
} from "./governance.js";
import {
  type ApprovalRecord,
  type CompileRecord,
  type DeploymentRecord,
  type DraftRequestRecord,
  ENVIRONMENTS,
  type Env,
  type EventRecord,
  type HostCallDecl,
  type LifecycleState,
  type LimitsDecl,
  type PinRecord,
  promotedRank,
  promotedState,
  type RevisionRecord,
  SOURCE_LANGUAGES,
  type SourceFileRecord,
  type SourceLanguageName,
} from "./types.js";

/** Who calls: the authenticated identity, and the tenants it may act for ("*": any). */
export interface Caller {
  /** `user:<id>` or `agent:<id>` (or `system:<component>` inside the registry). */
  actor: string;
  /** Tenants the caller may act for; `["*"]` for all. */
  tenants: readonly string[];
}

/** What a compile produced, as the compile worker reports it. */
export interface CompileOutcome {
  record: CompileRecord;
  /** Set when it succeeded. */
  wasmBlobRef?: string | undefined;
  sha256?: string | undefined;
}

/**
 * Compiles one revision (see createCompileWorker). `signal` aborts when the registry shuts down
 * and stops waiting for it: a compiler should then stop its work (kill its process).
 */
export type Compiler = (revision: RevisionRecord, signal?: AbortSignal) => Promise<CompileOutcome>;

/** Told after each commit that changed what an environment runs (see createCatalogPublisher). */
export type DeploymentListener = (env: Env) => Promise<void>;

/** Options of {@link createRegistry}. */
export interface RegistryOptions {
  /** The state. */
  store: RegistryStore;
  /** The compile worker. Unset: RequestCompile queues nothing and a compile stays pending. */
  compiler?: Compiler | undefined;
  /** Called after every change of an environment's deployments (promotion, rollback, pin). */
  onDeploymentChange?: DeploymentListener | undefined;
  /** Agents' maximum risk tiers. */
  governance?: GovernanceOptions | undefined;
  /** The clock. Default `() => new Date()`. */
  now?: (() => Date) | undefined;
  /** Logs a compile or a listener that failed. Default: nothing. */
  onError?: ((error: ExtensionError) => void) | undefined;
}

/** CreateDraft's request. */
export interface CreateDraftInput {
  tenantId: string;
  extensionId: string;
  kind: ExtensionKind;
  riskTier: RiskTier;
  limits?: LimitsDecl | undefined;
  description?: string | undefined;
  tags?: string[] | undefined;
  hostCalls?: HostCallDecl[] | undefined;
  inputSchemaJson?: string | undefined;
  outputSchemaJson?: string | undefined;
  baseVersion?: string | undefined;
  /**
   * The client's id of this request (a UUID, at most 128 printable ASCII
   * characters). A replay by the same caller with the same payload returns
   * the draft the first one made; the same id with another payload is
   * refused (`request_id_reused`). Absent: every call makes a new version.
   */
  requestId?: string | undefined;
}

/** Names one version. */
export interface VersionKey {
  tenantId: string;
  extensionId: string;
  version: string;
}

/** An extension across its versions. */
export interface ExtensionView {
  tenantId: string;
  extensionId: string;
  latestVersion: string;
  deployments: DeploymentRecord[];
  pins: PinRecord[];
}

/** One version with its approvals and events. */
export interface RevisionView {
  revision: RevisionRecord;
  approvals: ApprovalRecord[];
  events: EventRecord[];
}

/** The Transformation extension registry's domain: every RPC of ExtensionService, governed. */
export interface Registry {
  createDraft(caller: Caller, input: CreateDraftInput): Promise<RevisionView>;
  uploadSource(
    caller: Caller,
    input: VersionKey & { language: SourceLanguageName; files: SourceFileRecord[]; manifestJson: string },
  ): Promise<RevisionView>;
  /** Queues a compile; the outcome arrives later (await {@link idle}). */
  requestCompile(caller: Caller, key: VersionKey): Promise<RevisionView>;
  get(
    caller: Caller,
    key: { tenantId: string; extensionId: string; version?: string | undefined },
  ): Promise<{ extension: ExtensionView; revision: RevisionView }>;
  listVersions(
    caller: Caller,
    key: { tenantId: string; extensionId: string; pageSize?: number; pageToken?: string },
  ): Promise<{ revisions: RevisionView[]; nextPageToken: string }>;
  requestPromotion(caller: Caller, input: VersionKey & { env: Env; comment?: string }): Promise<RevisionView>;
  approve(caller: Caller, input: VersionKey & { env: Env; comment?: string }): Promise<RevisionView>;
  reject(caller: Caller, input: VersionKey & { env: Env; comment: string }): Promise<RevisionView>;
  rollback(
    caller: Caller,
    input: { tenantId: string; extensionId: string; env: Env; toVersion?: string; comment: string },
  ): Promise<ExtensionView>;
  pin(
    caller: Caller,
    input: {
      tenantId: string;
      extensionId: string;
      env: Env;
      consumerRef: string;
      version?: string;
      comment?: string;
    },
  ): Promise<ExtensionView>;
  listEvents(
    caller: Caller,
    input: { tenantId: string; extensionId: string; version?: string; pageSize?: number; pageToken?: string },
  ): Promise<{ events: EventRecord[]; nextPageToken: string }>;
  /** Resolves when no compile is queued or running and every listener has run. */
  idle(): Promise<void>;
  /**
   * For a shutdown: waits for the compiles in flight at most `graceMs`, then cancels the rest (their
   * compiler's signal aborts, and each is recorded as a failed compile with reason `shutting_down`,
   * the version staying a draft that may compile again) and waits at most {@link CANCEL_WRITE_MS}
   * more for those records. Compiles requested afterwards are cancelled at once. Resolves true when
   * every compile finished by itself.
   */
  drain(graceMs: number): Promise<boolean>;
}

/** After a drain cancels compiles, how long it waits for their records to be written, in milliseconds. */
export const CANCEL_WRITE_MS = 1000;

const ID_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/** Most files one upload may carry: the compile worker writes each before its child (and time limit) starts. */
export const MAX_SOURCE_FILES = 2000;
/** Longest source path, in characters. */
export const MAX_SOURCE_PATH_CHARS = 512;
const SYSTEM_RULES = "system:promotion-rules";
const SYSTEM_COMPILER = "system:compile-worker";

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

function pageSize(n: number | undefined): number {
  if (!n) return 50;
  return Math.min(n, 500);
}

function notFound(what: string): ExtensionError {
  return new ExtensionError("not_found", `${what} does not exist`);
}

function manifestHostCalls(manifestJson: string): HostCallDecl[] {
  try {
    const m = JSON.parse(manifestJson) as { host_calls?: unknown };
    return Array.isArray(m.host_calls) ? (m.host_calls as HostCallDecl[]) : [];
  } catch {
    return [];
  }
}

function checkEnv(env: string): Env {
  if (!(ENVIRONMENTS as readonly string[]).includes(env))
    throw new ExtensionError("invalid_argument", `env ${JSON.stringify(env)} is not dev, staging or prod`);
  return env as Env;
}

/** Creates the registry's domain over a store. Settings are checked here, once. */
export function createRegistry(options: RegistryOptions): Registry {
  const { store } = options;
  const governance = createGovernance(options.governance);
  const now = options.now ?? (() => new Date());
  const onError = options.onError ?? (() => {});
  let pending: Promise<unknown> = Promise.resolve();
  const shutdown = new AbortController();
  const track = (p: Promise<unknown>) => {
    pending = Promise.all([pending, p.catch(() => {})]);
  };
  const idle = async () => {
    for (;;) {
      const current = pending;
      await current;
      if (current === pending) return;
    }
  };

  const checkTenant = (caller: Caller, tenantId: string) => {
    if (tenantId === "") throw new ExtensionError("invalid_argument", "tenant_id is required");
    if (!caller.tenants.includes("*") && !caller.tenants.includes(tenantId))
      throw refuse(
        "permission_denied",
        RULES.tenantAccess,
        `${caller.actor} may not act for tenant ${tenantId}`,
        {
          tenantId,
        },
      );
  };

  const event = (
    tx: RegistryTx,
    rev: Pick<RevisionRecord, "tenantId" | "extensionId" | "version">,
    e: Partial<EventRecord> & Pick<EventRecord, "type" | "actor">,
  ) =>
    tx.appendEvent({
      id: randomUUID(),
      tenantId: rev.tenantId,
      extensionId: rev.extensionId,
      version: rev.version,
      time: now().toISOString(),
      fromState: "",
      toState: "",
      env: "",
      comment: "",
      previousVersion: "",
      consumerRef: "",
      data: {},
      ...e,
    });

  const loadRevision = async (tx: RegistryTx, key: VersionKey, forUpdate = false) => {
    const rev = await tx.getRevision(key.tenantId, key.extensionId, key.version, forUpdate);
    if (!rev)
      throw notFound(
        `version ${JSON.stringify(key.version)} of extension ${JSON.stringify(key.extensionId)}`,
      );
    return rev;
  };

  const view = async (tx: RegistryTx, rev: RevisionRecord, withEvents = true): Promise<RevisionView> => ({
    revision: rev,
    approvals: await tx.listApprovals(rev.tenantId, rev.extensionId, rev.version),
    events: withEvents
      ? await tx.listEvents(rev.tenantId, rev.extensionId, { version: rev.version, limit: 500 })
      : [],
  });

  const extensionView = async (
    tx: RegistryTx,
    tenantId: string,
    extensionId: string,
  ): Promise<ExtensionView> => {
    const ext = await tx.getExtension(tenantId, extensionId);
    if (!ext) throw notFound(`extension ${JSON.stringify(extensionId)}`);
    return {
      tenantId,
      extensionId,
      latestVersion: ext.latestVersion,
      deployments: await tx.listDeployments(tenantId, extensionId),
      pins: await tx.listPins(tenantId, extensionId),
    };
  };

  /** A replayed CreateDraft: the draft the first request made, when the payload is the same. */
  const replayed = async (tx: RegistryTx, earlier: DraftRequestRecord, replay: DraftRequestKey) => {
    if (earlier.payloadSha256 !== replay.payloadSha256)
      throw refuse(
        "failed_precondition",
        RULES.requestIdReused,
        `request_id ${JSON.stringify(replay.requestId)} created version ${earlier.version} of ${earlier.extensionId} with another payload: send a new request_id for a new draft`,
        { requestId: replay.requestId, extensionId: earlier.extensionId, version: earlier.version },
      );
    const rev = await loadRevision(tx, { ...earlier });
    return view(tx, rev);
  };

  const changedEnvs = new Set<Env>();
  const notify = (envs: Iterable<Env>) => {
    const listener = options.onDeploymentChange;
    if (!listener) return;
    for (const env of envs)
      track(
        listener(env).catch((cause: unknown) => {
          onError(ExtensionError.from(cause));
        }),
      );
  };

  /** Makes `rev` active in `env` inside `tx`; returns the revision as updated. */
  const promote = async (
    tx: RegistryTx,
    rev: RevisionRecord,
    env: Env,
    actor: string,
    comment: string,
  ): Promise<RevisionRecord> => {
    const at = now().toISOString();
    const deployments = await tx.listDeployments(rev.tenantId, rev.extensionId);
    const previous = deployments.find((d) => d.env === env)?.activeVersion ?? "";
    const from = rev.state;
    const to: LifecycleState =
      promotedRank(promotedState(env)) > promotedRank(from) ? promotedState(env) : from;
    const updated = await tx.updateRevision({ ...rev, state: to, pending: undefined, updatedAt: at });
    await tx.setDeployment({
      tenantId: rev.tenantId,
      extensionId: rev.extensionId,
      env,
      activeVersion: rev.version,
      updatedBy: actor,
      updatedAt: at,
    });
    await tx.addEnvVersion(rev.tenantId, rev.extensionId, env, rev.version, at);
    await event(tx, rev, {
      type: "version_promoted",
      actor,
      fromState: from,
      toState: to,
      env,
      comment,
      previousVersion: previous,
    });
    changedEnvs.add(env);
    return updated;
  };

  /** A transaction whose deployment changes are published after it commits. */
  const write = async <T>(fn: (tx: RegistryTx, envs: Set<Env>) => Promise<T>): Promise<T> => {
    const envs = new Set<Env>();
    const result = await store.transaction(async (tx) => {
      envs.clear();
      changedEnvs.clear();
      const r = await fn(tx, envs);
      for (const e of changedEnvs) envs.add(e);
      return r;
    });
    notify(envs);
    return result;
  };

  const runCompile = async (key: VersionKey) => {
    const compiler = options.compiler;
    if (!compiler) return;
    const rev = await store.transaction((tx) => loadRevision(tx, key));
    const outcome = await compileUnlessAborted(compiler, rev, shutdown.signal, now, onError);
    const cancelled = outcome.record.diagnostics.some((d) => d.reason === COMPILE_CANCELLED_REASON);
    await write(async (tx) => {
      let current = await loadRevision(tx, key, true);
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
        updatedAt: now().toISOString(),
      });
      await event(tx, current, {
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
      // §6.4: a low-risk extension goes to dev as soon as compile and tests pass.
      if (ok && APPROVALS_REQUIRED[current.riskTier].dev === 0 && promotedRank(current.state) === 0) {
        await promote(
          tx,
          current,
          "dev",
          SYSTEM_RULES,
          "auto-promotion: low risk tier, compile and tests passed",
        );
      }
    });
  };

  return {
    async createDraft(caller, input) {
      checkTenant(caller, input.tenantId);
      if (!ID_PATTERN.test(input.extensionId) || input.extensionId.length > 64)
        throw new ExtensionError(
          "invalid_argument",
          `extension_id ${JSON.stringify(input.extensionId)} must be lowercase kebab-case (a-z, 0-9, "-"), at most 64 characters`,
        );
      if (!EXTENSION_KINDS.includes(input.kind))
        throw new ExtensionError(
          "invalid_argument",
          "kind is required: process_hook, domain_hook or agent_tool",
        );
      if (!RISK_TIERS.includes(input.riskTier))
        throw new ExtensionError("invalid_argument", "risk_tier is required: low, medium or high");
      if (isAgent(caller.actor)) {
        const max = governance.maxRiskTierOf(caller.actor);
        if (tierRank(input.riskTier) > tierRank(max))
          throw refuse(
            "permission_denied",
            RULES.agentRiskTier,
            `${caller.actor} may create extensions up to risk tier ${max}, not ${input.riskTier}`,
            { max, requested: input.riskTier },
          );
      }
      const replay = draftRequestKey(input);
      return write(async (tx) => {
        const at = now().toISOString();
        const request = replay && { tenantId: input.tenantId, principal: caller.actor, ...replay };
        if (request) {
          const earlier = await tx.claimDraftRequest({
            ...request,
            extensionId: input.extensionId,
            createdAt: at,
          });
          if (earlier) return replayed(tx, earlier, request);
        }
        const ext = await tx.getExtension(input.tenantId, input.extensionId, true);
        let base: RevisionRecord | undefined;
        if (input.baseVersion) {
          base = await loadRevision(tx, { ...input, version: input.baseVersion });
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
          hostCalls: input.hostCalls ?? [],
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
        await event(tx, rev, { type: "draft_created", actor: caller.actor, toState: "draft" });
        return view(tx, rev);
      });
    },

    async uploadSource(caller, input) {
      checkTenant(caller, input.tenantId);
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
      return write(async (tx) => {
        const rev = await loadRevision(tx, input, true);
        if (rev.state !== "draft" && rev.state !== "failed")
          throw refuse(
            "failed_precondition",
            RULES.notADraft,
            `version ${rev.version} is ${rev.state}: sources change only in a draft; create a new version`,
            { state: rev.state },
          );
        // HostCallPermission in the proto has no read_only: take it from the manifest's host_calls.
        const declared = manifestHostCalls(input.manifestJson);
        const hostCalls = rev.hostCalls.map((h) => {
          const m = declared.find((d) => d.service === h.service && d.method === h.method);
          return m?.read_only === undefined ? h : { ...h, read_only: m.read_only };
        });
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
          updatedAt: now().toISOString(),
        });
        await event(tx, rev, {
          type: "source_uploaded",
          actor: caller.actor,
          fromState: rev.state,
          toState: "draft",
          data: { files: input.files.length },
        });
        return view(tx, updated);
      });
    },

    async requestCompile(caller, key) {
      checkTenant(caller, key.tenantId);
      const result = await write(async (tx) => {
        const rev = await loadRevision(tx, key, true);
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
          throw refuse(
            "failed_precondition",
            RULES.compilePending,
            `version ${rev.version} is already compiling`,
          );
        if (rev.compile?.status === "succeeded")
          throw refuse(
            "failed_precondition",
            RULES.alreadyCompiled,
            `version ${rev.version} compiled already`,
          );
        const updated = await tx.updateRevision({
          ...rev,
          compile: {
            status: "pending",
            toolchain: "",
            diagnostics: [],
            tests: [],
            moduleBytes: 0,
            startedAt: now().toISOString(),
          },
          updatedAt: now().toISOString(),
        });
        await event(tx, rev, {
          type: "compile_requested",
          actor: caller.actor,
          fromState: rev.state,
          toState: rev.state,
        });
        return view(tx, updated);
      });
      track(runCompile(key).catch((cause: unknown) => onError(ExtensionError.from(cause))));
      return result;
    },

    async get(caller, key) {
      checkTenant(caller, key.tenantId);
      return store.transaction(async (tx) => {
        const extension = await extensionView(tx, key.tenantId, key.extensionId);
        const rev = await loadRevision(tx, {
          tenantId: key.tenantId,
          extensionId: key.extensionId,
          version: key.version || extension.latestVersion,
        });
        return { extension, revision: await view(tx, rev) };
      });
    },

    async listVersions(caller, key) {
      checkTenant(caller, key.tenantId);
      const limit = pageSize(key.pageSize);
      return store.transaction(async (tx) => {
        await extensionView(tx, key.tenantId, key.extensionId);
        const before = key.pageToken ? Number(key.pageToken) : undefined;
        const revs = await tx.listRevisions(key.tenantId, key.extensionId, {
          limit: limit + 1,
          beforeVersion: before,
        });
        const page = revs.slice(0, limit);
        const views = await Promise.all(page.map((r) => view(tx, r, false)));
        return { revisions: views, nextPageToken: revs.length > limit ? (page.at(-1)?.version ?? "") : "" };
      });
    },

    async requestPromotion(caller, input) {
      checkTenant(caller, input.tenantId);
      const env = checkEnv(input.env);
      return write(async (tx) => {
        const rev = await loadRevision(tx, input, true);
        if (rev.state === "rejected" || rev.state === "failed")
          throw refuse(
            "failed_precondition",
            RULES.revisionClosed,
            `version ${rev.version} is ${rev.state}`,
            { state: rev.state },
          );
        if (rev.compile?.status !== "succeeded")
          throw refuse(
            "failed_precondition",
            RULES.compileRequired,
            `version ${rev.version} has not compiled successfully (compile: ${rev.compile?.status ?? "not requested"})`,
          );
        const envRank = ENVIRONMENTS.indexOf(env) + 1;
        const rank = promotedRank(rev.state);
        if (rank >= envRank)
          throw refuse(
            "failed_precondition",
            RULES.alreadyPromoted,
            `version ${rev.version} is ${rev.state} already`,
            { state: rev.state },
          );
        if (rank < envRank - 1)
          throw refuse(
            "failed_precondition",
            RULES.previousEnvRequired,
            `version ${rev.version} must be promoted to ${ENVIRONMENTS[envRank - 2]} before ${env}`,
            { state: rev.state },
          );
        if (rev.pending)
          throw refuse(
            "failed_precondition",
            RULES.promotionPending,
            `version ${rev.version} already waits for approval to ${rev.pending.env}`,
            { pendingEnv: rev.pending.env },
          );
        if (rev.riskTier === "high" && env === "prod") {
          const shortfalls = highTierShortfalls(rev.compile.tests);
          if (shortfalls.length > 0)
            throw refuse(
              "failed_precondition",
              RULES.highTierTesting,
              `high risk tier needs every fixture passing at ≤ 50% of each limit before prod: ${shortfalls.join("; ")}`,
              { shortfalls },
            );
        }
        await event(tx, rev, {
          type: "promotion_requested",
          actor: caller.actor,
          fromState: rev.state,
          toState:
            rev.state === "draft" && APPROVALS_REQUIRED[rev.riskTier][env] > 0 ? "in_review" : rev.state,
          env,
          comment: input.comment ?? "",
        });
        const required = APPROVALS_REQUIRED[rev.riskTier][env];
        if (required === 0) return view(tx, await promote(tx, rev, env, SYSTEM_RULES, input.comment ?? ""));
        const updated = await tx.updateRevision({
          ...rev,
          state: rev.state === "draft" ? "in_review" : rev.state,
          pending: {
            env,
            requestedBy: caller.actor,
            requestedAt: now().toISOString(),
            approvalsRequired: required,
            approvers: [],
            comment: input.comment ?? "",
          },
          updatedAt: now().toISOString(),
        });
        return view(tx, updated);
      });
    },

    async approve(caller, input) {
      checkTenant(caller, input.tenantId);
      const env = checkEnv(input.env);
      if (isAgent(caller.actor))
        throw refuse(
          "permission_denied",
          RULES.agentCannotApprove,
          `${caller.actor} is an agent: agents may author, compile and request promotion, never approve`,
        );
      return write(async (tx) => {
        const rev = await loadRevision(tx, input, true);
        if (!rev.pending || rev.pending.env !== env) throw noPendingPromotion(rev, env);
        if (rev.createdBy === caller.actor)
          throw refuse(
            "permission_denied",
            RULES.selfApproval,
            `${caller.actor} created version ${rev.version}: no one approves their own revision`,
          );
        if (rev.pending.approvers.includes(caller.actor))
          throw refuse(
            "failed_precondition",
            RULES.duplicateApproval,
            `${caller.actor} approved this promotion already; it needs ${rev.pending.approvalsRequired} distinct approvals`,
          );
        const at = now().toISOString();
        await tx.addApproval({
          ...input,
          env,
          approver: caller.actor,
          comment: input.comment ?? "",
          time: at,
        });
        const approvers = [...rev.pending.approvers, caller.actor];
        await event(tx, rev, {
          type: "approved",
          actor: caller.actor,
          fromState: rev.state,
          toState: rev.state,
          env,
          comment: input.comment ?? "",
          data: { approvals: approvers.length, required: rev.pending.approvalsRequired },
        });
        if (approvers.length >= rev.pending.approvalsRequired)
          return view(tx, await promote(tx, rev, env, caller.actor, input.comment ?? ""));
        const updated = await tx.updateRevision({
          ...rev,
          pending: { ...rev.pending, approvers },
          updatedAt: at,
        });
        return view(tx, updated);
      });
    },

    async reject(caller, input) {
      checkTenant(caller, input.tenantId);
      const env = checkEnv(input.env);
      if (isAgent(caller.actor))
        throw refuse(
          "permission_denied",
          RULES.agentCannotReview,
          `${caller.actor} is an agent: reviews (approve, reject) are human`,
        );
      if (!input.comment?.trim())
        throw new ExtensionError("invalid_argument", "a rejection needs a comment saying why");
      return write(async (tx) => {
        const rev = await loadRevision(tx, input, true);
        if (!rev.pending || rev.pending.env !== env) throw noPendingPromotion(rev, env);
        const to: LifecycleState = promotedRank(rev.state) === 0 ? "rejected" : rev.state;
        const updated = await tx.updateRevision({
          ...rev,
          state: to,
          pending: undefined,
          updatedAt: now().toISOString(),
        });
        await event(tx, rev, {
          type: "rejected",
          actor: caller.actor,
          fromState: rev.state,
          toState: to,
          env,
          comment: input.comment,
        });
        return view(tx, updated);
      });
    },

    async rollback(caller, input) {
      checkTenant(caller, input.tenantId);
      const env = checkEnv(input.env);
      if (isAgent(caller.actor) && env !== "dev")
        throw refuse(
          "permission_denied",
          RULES.agentCannotRollback,
          `${caller.actor} is an agent: agents roll back in dev only`,
        );
      if (!input.comment?.trim())
        throw new ExtensionError("invalid_argument", "a rollback needs a comment saying why");
      return write(async (tx) => {
        const ext = await tx.getExtension(input.tenantId, input.extensionId, true);
        if (!ext) throw notFound(`extension ${JSON.stringify(input.extensionId)}`);
        const active = (await tx.listDeployments(input.tenantId, input.extensionId)).find(
          (d) => d.env === env,
        );
        if (!active)
          throw refuse(
            "failed_precondition",
            RULES.notPromotedToEnv,
            `${input.extensionId} runs nowhere in ${env}`,
          );
        let to = input.toVersion ?? "";
        if (to === "") {
          const events = await tx.listEvents(input.tenantId, input.extensionId, { limit: 100_000 });
          const last = events
            .filter(
              (e) =>
                e.env === env &&
                (e.type === "version_promoted" || e.type === "rolled_back") &&
                e.version === active.activeVersion,
            )
            .at(-1);
          to = last?.previousVersion ?? "";
          if (to === "")
            throw refuse(
              "failed_precondition",
              RULES.notPromotedToEnv,
              `no version was active in ${env} before ${active.activeVersion}`,
            );
        }
        const promoted = (await tx.listEnvVersions(env)).some(
          (v) => v.tenantId === input.tenantId && v.extensionId === input.extensionId && v.version === to,
        );
        if (!promoted)
          throw refuse(
            "failed_precondition",
            RULES.notPromotedToEnv,
            `version ${to} was never promoted to ${env}: roll back to a version that ran there`,
            { version: to },
          );
        if (to === active.activeVersion)
          throw refuse(
            "failed_precondition",
            RULES.alreadyActive,
            `version ${to} is already active in ${env}`,
          );
        const at = now().toISOString();
        await tx.setDeployment({ ...active, activeVersion: to, updatedBy: caller.actor, updatedAt: at });
        const rev = await loadRevision(tx, { ...input, version: to });
        await event(tx, rev, {
          type: "rolled_back",
          actor: caller.actor,
          fromState: rev.state,
          toState: rev.state,
          env,
          comment: input.comment,
          previousVersion: active.activeVersion,
        });
        changedEnvs.add(env);
        return extensionView(tx, input.tenantId, input.extensionId);
      });
    },

    async pin(caller, input) {
      checkTenant(caller, input.tenantId);
      const env = checkEnv(input.env);
      if (isAgent(caller.actor) && env !== "dev")
        throw refuse(
          "permission_denied",
          RULES.agentCannotRollback,
          `${caller.actor} is an agent: agents pin in dev only`,
        );
      if (!/^(process|domain|agent):\S+$/.test(input.consumerRef))
        throw new ExtensionError(
          "invalid_argument",
          `consumer_ref ${JSON.stringify(input.consumerRef)} must be process:<id>, domain:<domain>/<point> or agent:<id>`,
        );
      return write(async (tx) => {
        await extensionView(tx, input.tenantId, input.extensionId);
        const at = now().toISOString();
        const base = { tenantId: input.tenantId, extensionId: input.extensionId };
        if (!input.version) {
          const removed = await tx.deletePin(input.tenantId, input.extensionId, env, input.consumerRef);
          if (!removed) throw notFound(`a pin of ${input.consumerRef} in ${env}`);
          await event(
            tx,
            { ...base, version: "" },
            {
              type: "unpinned",
              actor: caller.actor,
              env,
              consumerRef: input.consumerRef,
              comment: input.comment ?? "",
            },
          );
        } else {
          const promoted = (await tx.listEnvVersions(env)).some(
            (v) =>
              v.tenantId === input.tenantId &&
              v.extensionId === input.extensionId &&
              v.version === input.version,
          );
          if (!promoted)
            throw refuse(
              "failed_precondition",
              RULES.notPromotedToEnv,
              `version ${input.version} was never promoted to ${env}`,
            );
          await tx.setPin({
            ...base,
            env,
            consumerRef: input.consumerRef,
            version: input.version,
            pinnedBy: caller.actor,
            pinnedAt: at,
            comment: input.comment ?? "",
          });
          await event(
            tx,
            { ...base, version: input.version },
            {
              type: "pinned",
              actor: caller.actor,
              env,
              consumerRef: input.consumerRef,
              comment: input.comment ?? "",
            },
          );
        }
        changedEnvs.add(env);
        return extensionView(tx, input.tenantId, input.extensionId);
      });
    },

    async listEvents(caller, input) {
      checkTenant(caller, input.tenantId);
      const limit = pageSize(input.pageSize);
      return store.transaction(async (tx) => {
        await extensionView(tx, input.tenantId, input.extensionId);
        const events = await tx.listEvents(input.tenantId, input.extensionId, {
          version: input.version,
          afterSeq: input.pageToken ? Number(input.pageToken) : 0,
          limit: limit + 1,
        });
        const page = events.slice(0, limit);
        return { events: page, nextPageToken: events.length > limit ? String(page.at(-1)?.seq ?? "") : "" };
      });
    },

    idle,

    async drain(graceMs) {
      if (await settlesWithin(idle(), graceMs)) return true;
      shutdown.abort();
      await settlesWithin(idle(), CANCEL_WRITE_MS);
      return false;
    },
  };
}

/** The refusal for a review (approve, reject) of a version with no promotion to `env` waiting. */
function noPendingPromotion(
  rev: { version: string; state: string; pending?: { env: string } | undefined },
  env: string,
) {
  return refuse(
    "failed_precondition",
    RULES.noPendingPromotion,
    `version ${rev.version} has no promotion to ${env} waiting for review${rev.pending ? ` (it waits for ${rev.pending.env})` : ""}`,
    { state: rev.state },
  );
}
