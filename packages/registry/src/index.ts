/**
 * @ameide-ext/registry: the reference Transformation extension registry of
 * spec 479 §7. It serves `ameide.transformation.v1.ExtensionService` over
 * Connect, compiles and tests each revision with the CLI's build library,
 * governs promotion by risk tier (§6.4), keeps an audit log, and writes each
 * environment's runtime catalog. SQLite embedded, PostgreSQL for real.
 */

export { ERROR_DETAILS_HEADER } from "@ameide-ext/contract";
// Runtime catalogs.
export type { CatalogPublisher, CatalogPublisherOptions } from "./catalog/create-catalog-publisher.js";
export { createCatalogPublisher } from "./catalog/create-catalog-publisher.js";
// The compile worker and the module store it writes.
export type { CompileWorkerOptions } from "./compile/create-compile-worker.js";
export { createCompileWorker, TOOLCHAINS } from "./compile/create-compile-worker.js";
export type { ModuleWriter } from "./compile/module-writer.js";
export { createFolderModuleWriter, moduleKey } from "./compile/module-writer.js";
export type { S3ModuleWriterOptions } from "./compile/s3-module-writer.js";
export { createS3ModuleWriter } from "./compile/s3-module-writer.js";
export { createRegistry } from "./domain/create-registry.js";
export type {
  AgentLimits,
  AgentLimitsOptions,
  Governance,
  GovernanceOptions,
  RuleName,
} from "./domain/governance.js";
export {
  APPROVALS_REQUIRED,
  DEFAULT_AGENT_VERSIONS_PER_HOUR,
  HIGH_TIER_MAX_LIMIT_RATIO,
  RULES,
} from "./domain/governance.js";
export type { MayApprove } from "./domain/may-approve.js";
// The domain: lifecycle, rules, events.
export type {
  Caller,
  CompileOutcome,
  Compiler,
  CreateDraftInput,
  DeploymentListener,
  ExtensionView,
  Registry,
  RegistryOptions,
  RevisionView,
  VersionKey,
} from "./domain/registry.js";
export type * from "./domain/types.js";
export { ENVIRONMENTS, EVENT_TYPES, LIFECYCLE_STATES } from "./domain/types.js";
export type { Authenticator, AuthenticatorOptions, StaticToken } from "./service/create-authenticator.js";
export { createAuthenticator, IDENTITY_PATTERN } from "./service/create-authenticator.js";
export type { RegistryConfigFile } from "./service/registry-config.js";
export {
  checkRegistryConfig,
  loadRegistryConfig,
  REGISTRY_CONFIG_SCHEMA,
} from "./service/registry-config.js";
export { registryRoutes, toRegistryConnectError } from "./service/registry-routes.js";
// End-user API: the service.
export type { RunningRegistry, StartRegistryOptions } from "./service/start-registry.js";
export { startRegistry } from "./service/start-registry.js";
// Storage.
export type { Migration } from "./store/migrations.js";
export { MIGRATIONS, migrate } from "./store/migrations.js";
export { openRegistryStore } from "./store/open-registry-store.js";
export { createPostgresDriver } from "./store/postgres-driver.js";
export type { RegistryStore, RegistryTx } from "./store/registry-store.js";
export { createSqlRegistryStore } from "./store/registry-store.js";
export type { SqlDriver, SqlQuery, SqlRow } from "./store/sql-driver.js";
export { createSqliteDriver } from "./store/sqlite-driver.js";
