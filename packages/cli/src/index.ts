/**
 * @ameide-ext/cli: `ameide-ext new | build | test | run`, and the functions
 * behind them. Each command is a thin wrapper over one of these, so agents
 * and tests call exactly what the terminal does. Every function takes its
 * side effects as `deps` (`createNodeDeps()` for the real ones) and throws
 * only ExtensionError (from @ameide-ext/contract).
 */

// End-user API: the commands as functions.
export type { BuildHookOptions, BuildHookResult } from "./build/build-hook.js";
export { buildHook } from "./build/build-hook.js";
// The CLI itself, its side effects and its exit codes.
export { CLI_VERSION, createProgram, runCli } from "./cli.js";
export type { CommandContext } from "./commands/command-context.js";
export type { CliDeps, HookFs, OutputStream } from "./deps.js";
export { createNodeDeps, createNodeFs } from "./deps.js";
export type { EventSink, HookEvent } from "./events.js";
export type { ExitCode } from "./exit-code.js";
export { EXIT_CODES, exitCodeFor } from "./exit-code.js";
// File formats: the manifest, fixtures, and the --json documents.
export type { ExpectedError, HookFixture, HostCallMock } from "./fixtures/fixture-schema.js";
export {
  CONTEXT_SCHEMA,
  FIXTURE_SCHEMA,
  FIXTURES_DIR,
  HOST_CALLS_SCHEMA,
} from "./fixtures/fixture-schema.js";
export type { LoadedManifest } from "./manifest/load-manifest.js";
export { checkManifest, loadManifest } from "./manifest/load-manifest.js";
export type {
  HookLanguage,
  HookManifest,
  JsonSchema,
  ManifestHostCall,
  ManifestLimits,
} from "./manifest/manifest-schema.js";
export {
  CREATED_BY_PATTERN,
  DEFAULT_HOOK_LANGUAGE,
  HOOK_ID_LENGTH,
  HOOK_ID_PATTERN,
  HOOK_LANGUAGES,
  MANIFEST_FILE,
  MANIFEST_SCHEMA,
} from "./manifest/manifest-schema.js";
export type { NewHookOptions, NewHookResult } from "./new/new-hook.js";
export { checkHookName, newHook } from "./new/new-hook.js";
export { TEMPLATES_DIR } from "./new/templates.js";
// Transformation: the registry client and the lifecycle commands as functions (docs/registry.md).
export type { HookSourceFile } from "./registry/collect-sources.js";
export { collectSources, sourcesDigest } from "./registry/collect-sources.js";
export type { PromoteHookOptions, PromoteHookResult, PromotionGate } from "./registry/promote-hook.js";
export { promoteHook } from "./registry/promote-hook.js";
export type { RegistryClient } from "./registry/registry-client.js";
export { createRegistryClient, fromRegistryError } from "./registry/registry-client.js";
export type { CompileSummary, EnvName } from "./registry/registry-names.js";
export type { RegistryFlags, RegistrySettings } from "./registry/registry-settings.js";
export { DEFAULT_TENANT, resolveRegistrySettings } from "./registry/registry-settings.js";
export type {
  RegistryStatusOptions,
  RegistryStatusResult,
  VersionStatus,
} from "./registry/registry-status.js";
export { registryStatus } from "./registry/registry-status.js";
export type { ReviewVersionOptions, ReviewVersionResult } from "./registry/review-version.js";
export { reviewVersion } from "./registry/review-version.js";
export type { RollbackExtensionOptions, RollbackExtensionResult } from "./registry/rollback-extension.js";
export { rollbackExtension } from "./registry/rollback-extension.js";
export type { DevStack, DevStackOptions } from "./registry/start-dev-stack.js";
export { startDevStack } from "./registry/start-dev-stack.js";
export type { CommandName, CommandOutcome } from "./report/command-outcome.js";
export type { ErrorDocument, JsonDocument } from "./report/json-documents.js";
export { toErrorDocument, toJsonDocument } from "./report/json-documents.js";
export { OUTPUT_SCHEMAS } from "./report/output-schemas.js";
export type { ErrorSummary } from "./run/invoke-hook.js";
export { DEFAULT_CONTEXT } from "./run/invoke-hook.js";
export type { HookStats, LimitName, LimitUsage } from "./run/limit-usage.js";
export { FAIL_RATIO, WARN_RATIO } from "./run/limit-usage.js";
export type { RunHookOptions, RunHookResult } from "./run/run-hook.js";
export { runHook } from "./run/run-hook.js";
export type { SchemaName } from "./schemas.js";
export { SCHEMA_NAMES, SCHEMAS } from "./schemas.js";
export type { CaseResult, TestHookOptions, TestHookResult } from "./test/test-hook.js";
export { testHook } from "./test/test-hook.js";
