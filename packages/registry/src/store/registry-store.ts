import { ExtensionError } from "@ameide-ext/contract";
import type {
  ApprovalRecord,
  DeploymentRecord,
  DisabledRecord,
  DomainBindingRecord,
  DraftRequestRecord,
  Env,
  EventRecord,
  ExtensionRecord,
  PinRecord,
  ReplayReportRecord,
  RevisionRecord,
} from "../domain/types.js";
import { migrate } from "./migrations.js";
import type { SqlDriver, SqlQuery, SqlRow } from "./sql-driver.js";

/** Reads and writes of one transaction. */
export interface RegistryTx {
  /** The extension; `forUpdate` locks its row until the transaction ends. */
  getExtension(
    tenantId: string,
    extensionId: string,
    forUpdate?: boolean,
  ): Promise<ExtensionRecord | undefined>;
  /** Creates an extension. */
  insertExtension(ext: ExtensionRecord): Promise<void>;
  /** Records the newest version. */
  setLatestVersion(tenantId: string, extensionId: string, version: string): Promise<void>;
  /** One revision; `forUpdate` locks its row until the transaction ends. */
  getRevision(
    tenantId: string,
    extensionId: string,
    version: string,
    forUpdate?: boolean,
  ): Promise<RevisionRecord | undefined>;
  /** Stores a new revision (its `rowVersion` is 1). */
  insertRevision(rev: RevisionRecord): Promise<void>;
  /**
   * Writes `rev` when the stored row still has `rev.rowVersion`, and returns
   * it with `rowVersion + 1`. A row changed since it was read (a concurrent
   * transition) is `failed_precondition` with `details.rule` "concurrent_update".
   */
  updateRevision(rev: RevisionRecord): Promise<RevisionRecord>;
  /** Revisions newest first, versions below `beforeVersion` when given. */
  listRevisions(
    tenantId: string,
    extensionId: string,
    options: { limit: number; beforeVersion?: number | undefined },
  ): Promise<RevisionRecord[]>;
  /** A tenant's revisions with a promotion waiting for approval, by extension and version (at most `limit`). */
  listPendingRevisions(tenantId: string, limit: number): Promise<RevisionRecord[]>;
  /**
   * Claims a CreateDraft request id for the draft `request` describes (its
   * `version` is filled in by {@link completeDraftRequest} in the same
   * transaction). Returns undefined when the claim is this transaction's, or
   * the earlier request's record when the id was claimed before. On
   * PostgreSQL a concurrent claim of the same id waits until the first
   * transaction ends, then reads its record (or claims it, when it rolled back).
   */
  claimDraftRequest(request: Omit<DraftRequestRecord, "version">): Promise<DraftRequestRecord | undefined>;
  /** Records the version a claimed request created. */
  completeDraftRequest(
    request: Pick<DraftRequestRecord, "tenantId" | "principal" | "requestId">,
    version: string,
  ): Promise<void>;
  /** Appends an approval. */
  addApproval(approval: ApprovalRecord): Promise<void>;
  /** Approvals of a version, oldest first. */
  listApprovals(tenantId: string, extensionId: string, version: string): Promise<ApprovalRecord[]>;
  /** What each environment runs of an extension. */
  listDeployments(tenantId: string, extensionId: string): Promise<DeploymentRecord[]>;
  /** Every deployment in `env`, all tenants. */
  listEnvDeployments(env: Env): Promise<DeploymentRecord[]>;
  /** Sets what `env` runs. */
  setDeployment(d: DeploymentRecord): Promise<void>;
  /** Records that `version` was promoted to `env` (it stays available there). */
  addEnvVersion(tenantId: string, extensionId: string, env: Env, version: string, at: string): Promise<void>;
  /** Versions ever promoted to `env`, all extensions and tenants. */
  listEnvVersions(env: Env): Promise<Array<{ tenantId: string; extensionId: string; version: string }>>;
  /** Pins of an extension. */
  listPins(tenantId: string, extensionId: string): Promise<PinRecord[]>;
  /** Pins of every extension in `env`. */
  listEnvPins(env: Env): Promise<PinRecord[]>;
  /** Creates or replaces a pin. */
  setPin(pin: PinRecord): Promise<void>;
  /** Removes a pin; false when there was none. */
  deletePin(tenantId: string, extensionId: string, env: Env, consumerRef: string): Promise<boolean>;
  /** The kill switches thrown for an extension in `env` (every environment when unset), by version. */
  listDisabled(tenantId: string, extensionId: string, env?: Env): Promise<DisabledRecord[]>;
  /** The kill switches thrown in `env`, all tenants. */
  listEnvDisabled(env: Env): Promise<DisabledRecord[]>;
  /** Throws a kill switch (replaces the one of the same version, with its new reason). */
  setDisabled(record: DisabledRecord): Promise<void>;
  /** Releases a kill switch; false when it was not thrown. */
  deleteDisabled(tenantId: string, extensionId: string, env: Env, version: string): Promise<boolean>;
  /** The replay reports attached to a version, by environment. */
  listReplayReports(tenantId: string, extensionId: string, version: string): Promise<ReplayReportRecord[]>;
  /** Attaches a replay report to a version for one environment (replaces the one attached before). */
  setReplayReport(record: ReplayReportRecord): Promise<void>;
  /** One point's binding; `forUpdate` locks its row until the transaction ends. */
  getDomainBinding(key: DomainBindingKey, forUpdate?: boolean): Promise<DomainBindingRecord | undefined>;
  /** A tenant's bindings (of one environment, of one domain, when given), by env, domain and point. */
  listDomainBindings(
    tenantId: string,
    filter: { env?: Env | undefined; domain?: string | undefined },
  ): Promise<DomainBindingRecord[]>;
  /**
   * Creates or replaces a point's binding and returns the one it replaced. The point's row stays
   * locked until the transaction ends, so two transactions binding one point take turns and the
   * second sees the first's binding, even when the point had none (PostgreSQL: the insert waits on
   * the other's row).
   */
  replaceDomainBinding(binding: DomainBindingRecord): Promise<DomainBindingRecord | undefined>;
  /** Removes a point's binding and returns it; undefined when there was none. */
  deleteDomainBinding(key: DomainBindingKey): Promise<DomainBindingRecord | undefined>;
  /** Appends an audit event and returns it with its `seq`. */
  appendEvent(event: Omit<EventRecord, "seq">): Promise<EventRecord>;
  /**
   * How many versions `actor` created (its `draft_created` events, every tenant) at or after `since`
   * (ISO time). Locks `actor`'s count until the transaction ends, so two transactions creating
   * versions for one actor take turns (PostgreSQL: an advisory lock; SQLite serialises transactions).
   */
  countVersionsCreatedBy(actor: string, since: string): Promise<number>;
  /** Events of an extension (of one version when given), oldest first, after `afterSeq`. */
  listEvents(
    tenantId: string,
    extensionId: string,
    options: { version?: string | undefined; afterSeq?: number | undefined; limit: number },
  ): Promise<EventRecord[]>;
}

/** Names one domain extension point of a tenant in an environment. */
export type DomainBindingKey = Pick<DomainBindingRecord, "tenantId" | "env" | "domain" | "extensionPoint">;

/**
 * The registry's state: extensions, revisions, approvals, deployments, pins
 * and the audit log, in SQLite (embedded) or PostgreSQL. Every change
 * happens in {@link transaction}.
 */
export interface RegistryStore {
  /** Which database. */
  readonly backend: SqlDriver["dialect"];
  /** The schema version after migrating. */
  readonly schemaVersion: number;
  /** Runs `fn` in one transaction (see {@link SqlDriver.transaction}). */
  transaction<T>(fn: (tx: RegistryTx) => Promise<T>): Promise<T>;
  /** Closes the database. */
  close(): Promise<void>;
}

const str = (v: unknown): string => (v === null || v === undefined ? "" : String(v));

function revisionFromRow(row: SqlRow): RevisionRecord {
  const doc = JSON.parse(str(row.doc)) as RevisionRecord;
  return { ...doc, state: str(row.state) as RevisionRecord["state"], rowVersion: Number(row.row_version) };
}

function eventFromRow(row: SqlRow): EventRecord {
  type Added = "author" | "requestedBy" | "approvers";
  const doc = JSON.parse(str(row.doc)) as Omit<EventRecord, "seq" | Added> &
    Partial<Pick<EventRecord, Added>>;
  // Events written before these fields have no author, requester or approvers.
  return {
    ...doc,
    author: doc.author ?? "",
    requestedBy: doc.requestedBy ?? "",
    approvers: doc.approvers ?? [],
    seq: Number(row.seq),
  };
}

const lock = (forUpdate: boolean | undefined) => (forUpdate ? " FOR UPDATE" : "");

function deploymentFromRow(r: SqlRow): DeploymentRecord {
  return {
    tenantId: str(r.tenant_id),
    extensionId: str(r.extension_id),
    env: str(r.env) as Env,
    activeVersion: str(r.active_version),
    updatedBy: str(r.updated_by),
    updatedAt: str(r.updated_at),
  };
}

function pinFromRow(r: SqlRow): PinRecord {
  return {
    tenantId: str(r.tenant_id),
    extensionId: str(r.extension_id),
    env: str(r.env) as Env,
    consumerRef: str(r.consumer_ref),
    version: str(r.version),
    pinnedBy: str(r.pinned_by),
    pinnedAt: str(r.pinned_at),
    comment: str(r.comment),
  };
}

/** The extensions and revisions tables: what authoring writes. */
function revisionRows(
  q: SqlQuery,
): Pick<
  RegistryTx,
  | "getExtension"
  | "insertExtension"
  | "setLatestVersion"
  | "getRevision"
  | "insertRevision"
  | "updateRevision"
  | "listRevisions"
  | "listPendingRevisions"
> {
  return {
    async getExtension(tenantId, extensionId, forUpdate) {
      const rows = await q(
        `SELECT * FROM extensions WHERE tenant_id = $1 AND extension_id = $2${lock(forUpdate)}`,
        [tenantId, extensionId],
      );
      const r = rows[0];
      return r
        ? {
            tenantId,
            extensionId,
            latestVersion: str(r.latest_version),
            createdAt: str(r.created_at),
          }
        : undefined;
    },
    async insertExtension(ext) {
      await q(
        "INSERT INTO extensions (tenant_id, extension_id, latest_version, created_at) VALUES ($1, $2, $3, $4)",
        [ext.tenantId, ext.extensionId, Number(ext.latestVersion), ext.createdAt],
      );
    },
    async setLatestVersion(tenantId, extensionId, version) {
      await q("UPDATE extensions SET latest_version = $3 WHERE tenant_id = $1 AND extension_id = $2", [
        tenantId,
        extensionId,
        Number(version),
      ]);
    },
    async getRevision(tenantId, extensionId, version, forUpdate) {
      if (!/^[1-9][0-9]{0,8}$/.test(version)) return undefined;
      const rows = await q(
        `SELECT state, row_version, doc FROM revisions WHERE tenant_id = $1 AND extension_id = $2 AND version = $3${lock(forUpdate)}`,
        [tenantId, extensionId, Number(version)],
      );
      return rows[0] ? revisionFromRow(rows[0]) : undefined;
    },
    async insertRevision(rev) {
      await q(
        "INSERT INTO revisions (tenant_id, extension_id, version, state, row_version, created_by, doc, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        [
          rev.tenantId,
          rev.extensionId,
          Number(rev.version),
          rev.state,
          rev.rowVersion,
          rev.createdBy,
          JSON.stringify(rev),
          rev.updatedAt,
        ],
      );
    },
    async updateRevision(rev) {
      const next: RevisionRecord = { ...rev, rowVersion: rev.rowVersion + 1 };
      const rows = await q(
        "UPDATE revisions SET state = $4, row_version = $5, doc = $6, updated_at = $7 WHERE tenant_id = $1 AND extension_id = $2 AND version = $3 AND row_version = $8 RETURNING row_version",
        [
          rev.tenantId,
          rev.extensionId,
          Number(rev.version),
          next.state,
          next.rowVersion,
          JSON.stringify(next),
          next.updatedAt,
          rev.rowVersion,
        ],
      );
      if (rows.length !== 1)
        throw new ExtensionError(
          "failed_precondition",
          `version ${rev.version} of ${rev.extensionId} changed while this request ran; read it again and retry`,
          undefined,
          { rule: "concurrent_update" },
        );
      return next;
    },
    async listRevisions(tenantId, extensionId, { limit, beforeVersion }) {
      const rows = await q(
        "SELECT state, row_version, doc FROM revisions WHERE tenant_id = $1 AND extension_id = $2 AND version < $3 ORDER BY version DESC LIMIT $4",
        [tenantId, extensionId, beforeVersion ?? 2_147_483_647, limit],
      );
      return rows.map(revisionFromRow);
    },
    async listPendingRevisions(tenantId, limit) {
      // The LIKE narrows to documents naming a pending promotion; the parsed record decides (a
      // description may quote the same text).
      const rows = await q(
        `SELECT state, row_version, doc FROM revisions WHERE tenant_id = $1 AND state IN ('draft', 'in_review', 'promoted_dev', 'promoted_staging') AND doc LIKE '%"pending":{%' ORDER BY extension_id, version`,
        [tenantId],
      );
      return rows
        .map(revisionFromRow)
        .filter((r) => r.pending)
        .slice(0, limit);
    },
  };
}

/** The draft_requests table: CreateDraft's replays. */
function draftRequestRows(q: SqlQuery): Pick<RegistryTx, "claimDraftRequest" | "completeDraftRequest"> {
  return {
    async claimDraftRequest(r) {
      const claimed = await q(
        `INSERT INTO draft_requests (tenant_id, principal, request_id, payload_sha256, extension_id, version, created_at)
         VALUES ($1, $2, $3, $4, $5, 0, $6) ON CONFLICT DO NOTHING RETURNING request_id`,
        [r.tenantId, r.principal, r.requestId, r.payloadSha256, r.extensionId, r.createdAt],
      );
      if (claimed.length > 0) return undefined;
      const rows = await q(
        "SELECT * FROM draft_requests WHERE tenant_id = $1 AND principal = $2 AND request_id = $3",
        [r.tenantId, r.principal, r.requestId],
      );
      const row = rows[0];
      if (!row)
        throw new ExtensionError(
          "internal",
          `request_id ${JSON.stringify(r.requestId)}: claimed but unreadable`,
        );
      return {
        tenantId: r.tenantId,
        principal: r.principal,
        requestId: r.requestId,
        payloadSha256: str(row.payload_sha256),
        extensionId: str(row.extension_id),
        version: str(row.version),
        createdAt: str(row.created_at),
      };
    },
    async completeDraftRequest(r, version) {
      await q(
        "UPDATE draft_requests SET version = $4 WHERE tenant_id = $1 AND principal = $2 AND request_id = $3",
        [r.tenantId, r.principal, r.requestId, Number(version)],
      );
    },
  };
}

/** The approvals table: reviews of promotions. */
function approvalRows(q: SqlQuery): Pick<RegistryTx, "addApproval" | "listApprovals"> {
  return {
    async addApproval(a) {
      await q(
        "INSERT INTO approvals (tenant_id, extension_id, version, env, approver, comment, time) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        [a.tenantId, a.extensionId, Number(a.version), a.env, a.approver, a.comment, a.time],
      );
    },
    async listApprovals(tenantId, extensionId, version) {
      const rows = await q(
        "SELECT * FROM approvals WHERE tenant_id = $1 AND extension_id = $2 AND version = $3 ORDER BY id",
        [tenantId, extensionId, Number(version)],
      );
      return rows.map((r) => ({
        tenantId,
        extensionId,
        version,
        env: str(r.env) as Env,
        approver: str(r.approver),
        comment: str(r.comment),
        time: str(r.time),
      }));
    },
  };
}

/** The deployments, env_versions and pins tables: what each environment runs. */
function deploymentRows(
  q: SqlQuery,
): Pick<
  RegistryTx,
  | "listDeployments"
  | "listEnvDeployments"
  | "setDeployment"
  | "addEnvVersion"
  | "listEnvVersions"
  | "listPins"
  | "listEnvPins"
  | "setPin"
  | "deletePin"
> {
  return {
    async listDeployments(tenantId, extensionId) {
      const rows = await q("SELECT * FROM deployments WHERE tenant_id = $1 AND extension_id = $2", [
        tenantId,
        extensionId,
      ]);
      return rows.map(deploymentFromRow);
    },
    async listEnvDeployments(env) {
      return (await q("SELECT * FROM deployments WHERE env = $1", [env])).map(deploymentFromRow);
    },
    async setDeployment(d) {
      await q(
        `INSERT INTO deployments (tenant_id, extension_id, env, active_version, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant_id, extension_id, env) DO UPDATE SET active_version = excluded.active_version, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
        [d.tenantId, d.extensionId, d.env, Number(d.activeVersion), d.updatedBy, d.updatedAt],
      );
    },
    async addEnvVersion(tenantId, extensionId, env, version, at) {
      await q(
        "INSERT INTO env_versions (tenant_id, extension_id, env, version, promoted_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        [tenantId, extensionId, env, Number(version), at],
      );
    },
    async listEnvVersions(env) {
      const rows = await q(
        "SELECT tenant_id, extension_id, version FROM env_versions WHERE env = $1 ORDER BY tenant_id, extension_id, version",
        [env],
      );
      return rows.map((r) => ({
        tenantId: str(r.tenant_id),
        extensionId: str(r.extension_id),
        version: str(r.version),
      }));
    },
    async listPins(tenantId, extensionId) {
      const rows = await q(
        "SELECT * FROM pins WHERE tenant_id = $1 AND extension_id = $2 ORDER BY env, consumer_ref",
        [tenantId, extensionId],
      );
      return rows.map(pinFromRow);
    },
    async listEnvPins(env) {
      return (
        await q("SELECT * FROM pins WHERE env = $1 ORDER BY tenant_id, extension_id, consumer_ref", [env])
      ).map(pinFromRow);
    },
    async setPin(p) {
      await q(
        `INSERT INTO pins (tenant_id, extension_id, env, consumer_ref, version, pinned_by, pinned_at, comment) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (tenant_id, extension_id, env, consumer_ref) DO UPDATE SET version = excluded.version, pinned_by = excluded.pinned_by, pinned_at = excluded.pinned_at, comment = excluded.comment`,
        [
          p.tenantId,
          p.extensionId,
          p.env,
          p.consumerRef,
          Number(p.version),
          p.pinnedBy,
          p.pinnedAt,
          p.comment,
        ],
      );
    },
    async deletePin(tenantId, extensionId, env, consumerRef) {
      const rows = await q(
        "DELETE FROM pins WHERE tenant_id = $1 AND extension_id = $2 AND env = $3 AND consumer_ref = $4 RETURNING version",
        [tenantId, extensionId, env, consumerRef],
      );
      return rows.length > 0;
    },
  };
}

function domainBindingFromRow(r: SqlRow): DomainBindingRecord {
  return {
    tenantId: str(r.tenant_id),
    env: str(r.env) as Env,
    domain: str(r.domain),
    extensionPoint: str(r.extension_point),
    extensionId: str(r.extension_id),
    version: str(r.version),
    updatedBy: str(r.updated_by),
    updatedAt: str(r.updated_at),
    comment: str(r.comment),
  };
}

/** The domain_bindings table: which extension each tenant's domain extension points run. */
function domainBindingRows(
  q: SqlQuery,
): Pick<
  RegistryTx,
  "getDomainBinding" | "listDomainBindings" | "replaceDomainBinding" | "deleteDomainBinding"
> {
  const KEY = "tenant_id = $1 AND env = $2 AND domain = $3 AND extension_point = $4";
  const keyOf = (k: DomainBindingKey) => [k.tenantId, k.env, k.domain, k.extensionPoint];
  return {
    async getDomainBinding(key, forUpdate) {
      const rows = await q(`SELECT * FROM domain_bindings WHERE ${KEY}${lock(forUpdate)}`, keyOf(key));
      return rows[0] ? domainBindingFromRow(rows[0]) : undefined;
    },
    async listDomainBindings(tenantId, { env, domain }) {
      // An empty filter matches every row: one statement for the four combinations.
      const rows = await q(
        `SELECT * FROM domain_bindings WHERE tenant_id = $1 AND ($2 = '' OR env = $2) AND ($3 = '' OR domain = $3)
         ORDER BY env, domain, extension_point`,
        [tenantId, env ?? "", domain ?? ""],
      );
      return rows.map(domainBindingFromRow);
    },
    async replaceDomainBinding(b) {
      const values = [...keyOf(b), b.extensionId, b.version, b.updatedBy, b.updatedAt, b.comment];
      const update = async () => {
        const rows = await q(`SELECT * FROM domain_bindings WHERE ${KEY} FOR UPDATE`, keyOf(b));
        if (!rows[0]) return undefined;
        await q(
          `UPDATE domain_bindings SET extension_id = $5, version = $6, updated_by = $7, updated_at = $8, comment = $9 WHERE ${KEY}`,
          values,
        );
        return domainBindingFromRow(rows[0]);
      };
      const replaced = await update();
      if (replaced) return replaced;
      // No row to lock: insert one. A concurrent insert of the same point makes this one wait for
      // it, then do nothing; its row is then there to lock and replace.
      const inserted = await q(
        `INSERT INTO domain_bindings (tenant_id, env, domain, extension_point, extension_id, version, updated_by, updated_at, comment)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING extension_id`,
        values,
      );
      return inserted.length > 0 ? undefined : update();
    },
    async deleteDomainBinding(key) {
      const rows = await q(`DELETE FROM domain_bindings WHERE ${KEY} RETURNING *`, keyOf(key));
      return rows[0] ? domainBindingFromRow(rows[0]) : undefined;
    },
  };
}

/** The events table: the audit log. */
function eventRows(
  q: SqlQuery,
  dialect: SqlDriver["dialect"],
): Pick<RegistryTx, "appendEvent" | "listEvents" | "countVersionsCreatedBy"> {
  return {
    async countVersionsCreatedBy(actor, since) {
      if (dialect === "postgres") await q("SELECT pg_advisory_xact_lock(479002, hashtext($1))", [actor]);
      const rows = await q(
        "SELECT COUNT(*) AS n FROM events WHERE actor = $1 AND type = 'draft_created' AND time >= $2",
        [actor, since],
      );
      return Number(rows[0]?.n ?? 0);
    },
    async appendEvent(event) {
      const rows = await q(
        "INSERT INTO events (id, type, tenant_id, extension_id, version, actor, time, doc) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq",
        [
          event.id,
          event.type,
          event.tenantId,
          event.extensionId,
          event.version,
          event.actor,
          event.time,
          JSON.stringify(event),
        ],
      );
      return { ...event, seq: Number(rows[0]?.seq) };
    },
    async listEvents(tenantId, extensionId, { version, afterSeq, limit }) {
      const rows =
        version === undefined || version === ""
          ? await q(
              "SELECT seq, doc FROM events WHERE tenant_id = $1 AND extension_id = $2 AND seq > $3 ORDER BY seq LIMIT $4",
              [tenantId, extensionId, afterSeq ?? 0, limit],
            )
          : await q(
              "SELECT seq, doc FROM events WHERE tenant_id = $1 AND extension_id = $2 AND seq > $3 AND version = $5 ORDER BY seq LIMIT $4",
              [tenantId, extensionId, afterSeq ?? 0, limit, version],
            );
      return rows.map(eventFromRow);
    },
  };
}

function disabledFromRow(r: SqlRow): DisabledRecord {
  return {
    tenantId: str(r.tenant_id),
    extensionId: str(r.extension_id),
    env: str(r.env) as Env,
    version: str(r.version),
    disabledBy: str(r.disabled_by),
    disabledAt: str(r.disabled_at),
    reason: str(r.reason),
  };
}

/** The disabled_versions table: the kill switches. */
function disabledRows(
  q: SqlQuery,
): Pick<RegistryTx, "listDisabled" | "listEnvDisabled" | "setDisabled" | "deleteDisabled"> {
  return {
    async listDisabled(tenantId, extensionId, env) {
      const rows =
        env === undefined
          ? await q(
              "SELECT * FROM disabled_versions WHERE tenant_id = $1 AND extension_id = $2 ORDER BY env, version",
              [tenantId, extensionId],
            )
          : await q(
              "SELECT * FROM disabled_versions WHERE tenant_id = $1 AND extension_id = $2 AND env = $3 ORDER BY version",
              [tenantId, extensionId, env],
            );
      return rows.map(disabledFromRow);
    },
    async listEnvDisabled(env) {
      return (
        await q("SELECT * FROM disabled_versions WHERE env = $1 ORDER BY tenant_id, extension_id, version", [
          env,
        ])
      ).map(disabledFromRow);
    },
    async setDisabled(d) {
      await q(
        `INSERT INTO disabled_versions (tenant_id, extension_id, env, version, disabled_by, disabled_at, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (tenant_id, extension_id, env, version) DO UPDATE SET disabled_by = excluded.disabled_by, disabled_at = excluded.disabled_at, reason = excluded.reason`,
        [d.tenantId, d.extensionId, d.env, d.version, d.disabledBy, d.disabledAt, d.reason],
      );
    },
    async deleteDisabled(tenantId, extensionId, env, version) {
      const rows = await q(
        "DELETE FROM disabled_versions WHERE tenant_id = $1 AND extension_id = $2 AND env = $3 AND version = $4 RETURNING version",
        [tenantId, extensionId, env, version],
      );
      return rows.length > 0;
    },
  };
}

function replayReportFromRow(r: SqlRow): ReplayReportRecord {
  return {
    tenantId: str(r.tenant_id),
    extensionId: str(r.extension_id),
    version: str(r.version),
    env: str(r.env) as Env,
    summary: str(r.summary),
    reportJson: str(r.report_json),
    attachedBy: str(r.attached_by),
    attachedAt: str(r.attached_at),
  };
}

/** The replay_reports table: the replay reports attached to versions, per environment. */
function replayReportRows(q: SqlQuery): Pick<RegistryTx, "listReplayReports" | "setReplayReport"> {
  return {
    async listReplayReports(tenantId, extensionId, version) {
      const rows = await q(
        "SELECT * FROM replay_reports WHERE tenant_id = $1 AND extension_id = $2 AND version = $3 ORDER BY env",
        [tenantId, extensionId, version],
      );
      return rows.map(replayReportFromRow);
    },
    async setReplayReport(r) {
      await q(
        `INSERT INTO replay_reports (tenant_id, extension_id, version, env, summary, report_json, attached_by, attached_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (tenant_id, extension_id, version, env) DO UPDATE SET summary = excluded.summary, report_json = excluded.report_json, attached_by = excluded.attached_by, attached_at = excluded.attached_at`,
        [r.tenantId, r.extensionId, r.version, r.env, r.summary, r.reportJson, r.attachedBy, r.attachedAt],
      );
    },
  };
}

/** One transaction's reads and writes over its query function. */
function txOver(q: SqlQuery, dialect: SqlDriver["dialect"]): RegistryTx {
  return {
    ...revisionRows(q),
    ...draftRequestRows(q),
    ...approvalRows(q),
    ...deploymentRows(q),
    ...domainBindingRows(q),
    ...disabledRows(q),
    ...replayReportRows(q),
    ...eventRows(q, dialect),
  };
}

/** A {@link RegistryStore} over a driver, its schema migrated first. */
export async function createSqlRegistryStore(driver: SqlDriver): Promise<RegistryStore> {
  const schemaVersion = await migrate(driver);
  return {
    backend: driver.dialect,
    schemaVersion,
    transaction: (fn) => driver.transaction((q) => fn(txOver(q, driver.dialect))),
    close: () => driver.close(),
  };
}
