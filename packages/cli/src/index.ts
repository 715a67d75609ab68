/**
 * @ameide-ext/cli: `ameide-ext new | build | test | run` and the registry
 * lifecycle commands, and the functions behind them. Each command is a thin
 * wrapper over one of these, so agents and tests call exactly what the
 * terminal does. `build`, `test` and `run` are the toolkit's functions
 * (@ameide-ext/toolkit), re-exported here. Every function takes its side
 * effects as `deps` (`createNodeDeps()` for the real ones) and throws only
 * ExtensionError (from @ameide-ext/contract).
 */

// The toolkit's functions and file formats, as the CLI has always exported them.
export type {
  BuildHookOptions,
  BuildHookResult,
  CaseResult,
  ErrorSummary,
  EventSink,
  ExpectedError,
  HookEvent,
  HookFixture,
  HookFs,
  HookLanguage,
  HookManifest,
  HookStats,
  HostCallMock,
  JsonSchema,
  LimitName,
  LimitUsage,
  LoadedManifest,
  ManifestHostCall,
  ManifestLimits,
  RunHookOptions,
  RunHookResult,
  TestHookOptions,
  TestHookResult,
} from "@ameide-ext/toolkit";
export {
  buildHook,
  CONTEXT_SCHEMA,
  CREATED_BY_PATTERN,
  checkManifest,
  createNodeFs,
  DEFAULT_CONTEXT,
  DEFAULT_HOOK_LANGUAGE,
  FAIL_RATIO,
  FIXTURE_SCHEMA,
  FIXTURES_DIR,
  HOOK_ID_LENGTH,
  HOOK_ID_PATTERN,
  HOOK_LANGUAGES,
  HOST_CALLS_SCHEMA,
  loadManifest,
  MANIFEST_FILE,
  MANIFEST_SCHEMA,
  runHook,
  testHook,
  WARN_RATIO,
} from "@ameide-ext/toolkit";
// The CLI itself, its side effects and its exit codes.
export { CLI_VERSION, createProgram, runCli } from "./cli.js";
export type { CommandContext } from "./commands/command-context.js";
export type { CliDeps, OutputStream } from "./deps.js";
export { createNodeDeps } from "./deps.js";
export type { ExitCode } from "./exit-code.js";
export { EXIT_CODES, exitCodeFor } from "./exit-code.js";
export { createMcpServer, MAX_TOOL_ARGUMENTS_BYTES } from "./mcp/create-mcp-server.js";
// Agents: the MCP server of `ameide-ext mcp` (docs/agents.md).
export type { McpSession, McpTool } from "./mcp/mcp-tools.js";
export { MCP_TOOLS } from "./mcp/mcp-tools.js";
export type { WorkspaceRoot } from "./mcp/workspace-root.js";
export { createWorkspaceRoot } from "./mcp/workspace-root.js";
export type { NewHookOptions, NewHookResult } from "./new/new-hook.js";
export { checkHookName, newHook } from "./new/new-hook.js";
export { TEMPLATES_DIR } from "./new/templates.js";
// Transformation: the registry client and the lifecycle commands as functions (docs/registry.md).
export type { HookSourceFile } from "./registry/collect-sources.js";
export { collectSources, sourcesDigest } from "./registry/collect-sources.js";
export type { SwitchExtensionOptions, SwitchExtensionResult } from "./registry/kill-switch.js";
export { switchExtension } from "./registry/kill-switch.js";
export type { PromoteHookOptions, PromoteHookResult, PromotionGate } from "./registry/promote-hook.js";
export { promoteHook } from "./registry/promote-hook.js";
export type { RegistryClient } from "./registry/registry-client.js";
export { createRegistryClient, fromRegistryError } from "./registry/registry-client.js";
export type { CompileSummary, EnvName } from "./registry/registry-names.js";
export type {
  ConfigFile,
  ConfigFileDocument,
  RegistryFlags,
  RegistrySettings,
} from "./registry/registry-settings.js";
export {
  DEFAULT_TENANT,
  DEV_CONFIG_FILE,
  readConfigFile,
  resolveRegistrySettings,
} from "./registry/registry-settings.js";
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
export type { RuleGuide } from "./registry/rule-guide.js";
export { explainRule, RULE_FIXES } from "./registry/rule-guide.js";
export type { DevStack, DevStackOptions } from "./registry/start-dev-stack.js";
export { startDevStack } from "./registry/start-dev-stack.js";
export type { CommandName, CommandOutcome } from "./report/command-outcome.js";
export type { ErrorDocument, JsonDocument } from "./report/json-documents.js";
export { toErrorDocument, toJsonDocument } from "./report/json-documents.js";
export { OUTPUT_SCHEMAS } from "./report/output-schemas.js";
export type { InvokeExtensionOptions, InvokeExtensionResult } from "./runtime/invoke-extension.js";
export { invokeExtension } from "./runtime/invoke-extension.js";
export { INVOKE_REQUEST_SCHEMA, INVOKE_RESPONSE_SCHEMA } from "./runtime/invoke-schemas.js";
export type { SchemaName } from "./schemas.js";
export { SCHEMA_NAMES, SCHEMAS } from "./schemas.js";
