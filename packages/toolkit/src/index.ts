/**
 * @ameide-ext/toolkit: the hook folder as a library. Reads and checks a hook's
 * manifest (hook-manifest/) and fixtures (hook-fixtures/), builds and
 * validates its component (hook-build/), runs its fixtures (hook-test/) or
 * one input (hook-run/) under the manifest's limits, offline. The CLI's
 * `build`, `test` and `run` commands and the registry's compile worker call
 * these same functions. Every function takes its side effects as `deps`
 * (`createNodeToolkitDeps()` for the real ones) and throws only
 * ExtensionError (from @ameide-ext/contract).
 */

// The hook's functions: build, test, run.
export type { BuildHookOptions, BuildHookResult } from "./hook-build/build-hook.js";
export { buildHook } from "./hook-build/build-hook.js";
export type { HookLayout } from "./hook-build/hook-layout.js";
export { DIST_DIR, displayPath, hookLayout } from "./hook-build/hook-layout.js";
export type { BuiltComponent } from "./hook-build/prepare-hook.js";
export { resolveHookDir, WORLD } from "./hook-build/prepare-hook.js";
export type { EventSink, HookEvent } from "./hook-events.js";
// File formats: the manifest and the fixtures.
export type { ExpectedError, HookFixture, HostCallMock } from "./hook-fixtures/fixture-schema.js";
export {
  CONTEXT_SCHEMA,
  FIXTURE_SCHEMA,
  FIXTURES_DIR,
  HOST_CALLS_SCHEMA,
} from "./hook-fixtures/fixture-schema.js";
export type { LoadedManifest } from "./hook-manifest/load-manifest.js";
export { checkManifest, loadManifest } from "./hook-manifest/load-manifest.js";
export type {
  HookLanguage,
  HookManifest,
  JsonSchema,
  ManifestHostCall,
  ManifestLimits,
} from "./hook-manifest/manifest-schema.js";
export {
  CREATED_BY_PATTERN,
  DEFAULT_HOOK_LANGUAGE,
  HOOK_ID_LENGTH,
  HOOK_ID_PATTERN,
  HOOK_LANGUAGES,
  MANIFEST_FILE,
  MANIFEST_SCHEMA,
} from "./hook-manifest/manifest-schema.js";
export { hookReplayModule } from "./hook-replay/hook-replay-module.js";
export type { RecordedHostCallPlayer } from "./hook-replay/recorded-host-calls.js";
export { playRecordedHostCalls } from "./hook-replay/recorded-host-calls.js";
export type {
  ReplayModule,
  ReplayRecordingsOptions,
  ReplayReport,
  ReplayResult,
  ReplayRun,
  ReplaySource,
} from "./hook-replay/replay-recordings.js";
export { noRecordings, replayRecordings } from "./hook-replay/replay-recordings.js";
export type { MockHostCalls, MockHostCallsOptions } from "./hook-run/host-call-mocks.js";
export { createMockHostCalls } from "./hook-run/host-call-mocks.js";
export type { ErrorSummary, InvocationReport } from "./hook-run/invoke-hook.js";
export { DEFAULT_CONTEXT } from "./hook-run/invoke-hook.js";
export type { HookStats, LimitName, LimitUsage } from "./hook-run/limit-usage.js";
export {
  describeUsage,
  FAIL_RATIO,
  formatBytes,
  formatCount,
  formatMs,
  formatUsage,
  limitUsage,
  WARN_RATIO,
} from "./hook-run/limit-usage.js";
export type { RunInputFlags, RunInputs } from "./hook-run/read-run-inputs.js";
export { readHostCallsFile, readRunInputs } from "./hook-run/read-run-inputs.js";
export type { RunHookOptions, RunHookResult } from "./hook-run/run-hook.js";
export { runHook } from "./hook-run/run-hook.js";
export { describeError } from "./hook-test/judge-case.js";
export type { CaseResult, TestHookOptions, TestHookResult } from "./hook-test/test-hook.js";
export { testHook } from "./hook-test/test-hook.js";
// JSON files as the toolkit writes them (the CLI's `schema` and `new` use the same layout).
export { formatJson } from "./json/format-json.js";
// Side effects.
export type { HookFs, ToolkitDeps } from "./toolkit-deps.js";
export { createNodeFs, createNodeToolkitDeps } from "./toolkit-deps.js";
