import { randomUUID } from "node:crypto";
import { ExtensionError } from "@ameide-ext/contract";
import type { RegistryStore, RegistryTx } from "../store/registry-store.js";
import { unreviewedAuthors } from "./code-authors.js";
import { type CompileBudget, createCompileBudget } from "./compile-budget.js";
import { createGovernance, type Governance, RULES, refuse } from "./governance.js";
import { mayApprove } from "./may-approve.js";
import { createReadOnlyMethods, type ReadOnlyMethods } from "./read-only-methods.js";
import type {
  Caller,
  Compiler,
  ExtensionView,
  RegistryOptions,
  RevisionView,
  VersionKey,
} from "./registry.js";
import { ENVIRONMENTS, type Env, type EventRecord, type RevisionRecord } from "./types.js";

/** The actor of what the promotion rules do by themselves (a tier's promotion that needs no approval). */
export const SYSTEM_RULES = "system:promotion-rules";

/**
 * One write transaction's body. `changed`, its own, collects the environments whose deployments it
 * changed: they are published after the commit, and not at all when the transaction fails.
 */
export type WriteBody<T> = (tx: RegistryTx, changed: Set<Env>) => Promise<T>;

/**
 * What authoring, promotion, deployments and queries share: the store, the clock, the settings, the
 * event log, the tenant check and the background work (compiles, catalog listeners) `idle` waits for.
 */
export interface RegistryContext {
  store: RegistryStore;
  /** The compile worker, when there is one. */
  compiler: Compiler | undefined;
  governance: Governance;
  /** Which host methods only read, as the operator says: a host call's `read_only` is this verdict. */
  readOnly: ReadOnlyMethods;
  /** Each caller's compiles per minute and at once (compile_rate). */
  compileBudget: CompileBudget;
  /** The identities known to act for a tenant (see RegistryOptions.reviewersOf). */
  reviewersOf: (tenantId: string) => readonly string[];
  now: () => Date;
  onError: (error: ExtensionError) => void;
  /** Aborts when a drain stops waiting for the compiles in flight. */
  shutdown: AbortController;
  /** Counts `p` as background work until it settles (its failure is the caller's to report). */
  track(p: Promise<unknown>): void;
  /** Resolves when no background work is left. */
  idle(): Promise<void>;
  /** Refuses a caller who may not act for `tenantId` (`permission_denied`, `tenant_access`). */
  checkTenant(caller: Caller, tenantId: string): void;
  /** Appends one event about `rev` to the audit log, stamped now. */
  event(
    tx: RegistryTx,
    rev: Pick<RevisionRecord, "tenantId" | "extensionId" | "version"> &
      Partial<Pick<RevisionRecord, "createdBy">>,
    e: Partial<EventRecord> & Pick<EventRecord, "type" | "actor">,
  ): Promise<unknown>;
  /** The revision `key` names; `not_found` when there is none. */
  loadRevision(tx: RegistryTx, key: VersionKey, forUpdate?: boolean): Promise<RevisionRecord>;
  /**
   * A revision with its approvals and (unless `withEvents` is false) its events; its host calls carry
   * the registry's current `read_only` verdict (whatever was stored).
   */
  view(tx: RegistryTx, rev: RevisionRecord, withEvents?: boolean): Promise<RevisionView>;
  /** An extension with its deployments and pins; `not_found` when there is none. */
  extensionView(tx: RegistryTx, tenantId: string, extensionId: string): Promise<ExtensionView>;
  /** Runs `body` in a transaction and, after it commits, tells the listener of every environment it changed. */
  write<T>(body: WriteBody<T>): Promise<T>;
}

/** The `not_found` refusal of something the caller named. */
export function notFound(what: string): ExtensionError {
  return new ExtensionError("not_found", `${what} does not exist`);
}

/** `env` as an environment name, or `invalid_argument`. */
export function checkEnv(env: string): Env {
  if (!(ENVIRONMENTS as readonly string[]).includes(env))
    throw new ExtensionError("invalid_argument", `env ${JSON.stringify(env)} is not dev, staging or prod`);
  return env as Env;
}

/** Builds the shared context from createRegistry's options. Settings are checked here, once. */
export function createRegistryContext(options: RegistryOptions): RegistryContext {
  const { store } = options;
  const now = options.now ?? (() => new Date());
  const onError = options.onError ?? (() => {});
  let pending: Promise<unknown> = Promise.resolve();
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

  const readOnly = createReadOnlyMethods(options.readOnlyHostMethods);
  const loadRevision = async (tx: RegistryTx, key: VersionKey, forUpdate = false) => {
    const rev = await tx.getRevision(key.tenantId, key.extensionId, key.version, forUpdate);
    if (!rev)
      throw notFound(
        `version ${JSON.stringify(key.version)} of extension ${JSON.stringify(key.extensionId)}`,
      );
    return rev;
  };

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

  return {
    store,
    compiler: options.compiler,
    governance: createGovernance(options.governance),
    readOnly,
    compileBudget: createCompileBudget(options.compileBudget, options.onCompileRefused),
    reviewersOf: options.reviewersOf ?? (() => []),
    now,
    onError,
    shutdown: new AbortController(),
    track,
    idle,
    loadRevision,

    checkTenant(caller, tenantId) {
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
    },

    event: (tx, rev, e) =>
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
        author: rev.createdBy ?? "",
        requestedBy: "",
        approvers: [],
        data: {},
        ...e,
      }),

    view: async (tx, rev, withEvents = true) => ({
      revision: { ...rev, hostCalls: readOnly.verdict(rev.hostCalls) },
      approvals: await tx.listApprovals(rev.tenantId, rev.extensionId, rev.version),
      events: withEvents
        ? await tx.listEvents(rev.tenantId, rev.extensionId, { version: rev.version, limit: 500 })
        : [],
      mayApprove: rev.pending
        ? mayApprove(rev, options.reviewersOf?.(rev.tenantId) ?? [], await unreviewedAuthors(tx, rev))
        : undefined,
      replayReports: await tx.listReplayReports(rev.tenantId, rev.extensionId, rev.version),
    }),

    async extensionView(tx, tenantId, extensionId) {
      const ext = await tx.getExtension(tenantId, extensionId);
      if (!ext) throw notFound(`extension ${JSON.stringify(extensionId)}`);
      return {
        tenantId,
        extensionId,
        latestVersion: ext.latestVersion,
        deployments: await tx.listDeployments(tenantId, extensionId),
        pins: await tx.listPins(tenantId, extensionId),
      };
    },

    async write(body) {
      const changed = new Set<Env>();
      const result = await store.transaction((tx) => body(tx, changed));
      notify(changed);
      return result;
    },
  };
}
