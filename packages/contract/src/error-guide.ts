/**
 * What each closed error code and reason means, and the one-line fix an author (a person or an agent) should
 * try: the table behind `explain_error` of `ameide-ext mcp` and any "what now?" a tool prints. CONTRACT.md's
 * "Errors" table says which code each reason comes with; this says what to do about it.
 */
import {
  ERROR_CODES,
  ERROR_REASONS,
  type ErrorCode,
  type ErrorReason,
  ExtensionError,
  isErrorCode,
  isErrorReason,
} from "./extension-error.js";

/** What an error means and how to fix it. */
export interface ErrorGuide {
  /** The closed code. */
  code: ErrorCode;
  /** The reason, or null when only a code was asked about. */
  reason: ErrorReason | null;
  /** What happened, in one sentence. */
  meaning: string;
  /** What to do next, in one sentence. */
  fix: string;
}

type Entry = readonly [code: ErrorCode, meaning: string, fix: string];

/** Every reason: the code it comes with, what it means, the fix. A reason added to ERROR_REASONS needs a row. */
const REASONS: Readonly<Record<ErrorReason, Entry>> = {
  fuel: [
    "resource_exhausted",
    "the hook ran out of fuel: it executed more instructions than limits.cpu_millis buys",
    "make the hot loop cheaper (less work per item, no repeated parsing), or raise limits.cpu_millis in extension.json (1..10000)",
  ],
  memory: [
    "resource_exhausted",
    "linear memory grew past limits.memory_mb",
    "allocate less (stream over the input, avoid copying large strings), or raise limits.memory_mb in extension.json (1..1024)",
  ],
  stack: [
    "resource_exhausted",
    "the call stack went past the depth limit (deep or endless recursion)",
    "turn the recursion into a loop, or bound its depth",
  ],
  timeout: [
    "deadline_exceeded",
    "the invocation ran longer than limits.timeout_ms of wall-clock time (host-call time counts)",
    "do less work per invocation or make fewer host calls, or raise limits.timeout_ms in extension.json (1..60000)",
  ],
  input_size: [
    "invalid_argument",
    "the input document is over the input size limit",
    "send a smaller input: pass ids and let the hook look up details through a host call",
  ],
  batch_size: [
    "invalid_argument",
    "a batch invoke has more inputs than the runtime accepts at once",
    "split the batch into smaller batches",
  ],
  output_size: [
    "resource_exhausted",
    "the hook's output is over the output size limit",
    "return less: only the fields the caller needs, ids instead of copies",
  ],
  log_size: [
    "resource_exhausted",
    "the hook logged more bytes or lines than one invocation may",
    "log less: one line per decision, no dumps of the input",
  ],
  host_call_limit: [
    "resource_exhausted",
    "the hook made more host calls than its risk tier allows per invocation",
    "make fewer host calls (batch the lookups), or declare the need and ask for a higher risk tier",
  ],
  host_string_size: [
    "resource_exhausted",
    "a string handed to the host (log level, service, method or request) is over its cap",
    "send a shorter log level, service or method name, or a smaller host-call request",
  ],
  trap: [
    "resource_exhausted",
    "the guest trapped: unreachable, an out-of-bounds access, a division by zero, an abort or an uncaught exception",
    "read the message and logs for the failing line, guard the input (missing fields, zero divisors), and add a fixture for it",
  ],
  guest_exception: [
    "internal",
    "the hook threw an exception that is not a business error (TypeScript: not fail()/BusinessError), or returned a Promise; the stack is in the logs",
    "read the error log line for the exception and its line, guard the input or use fail(code, message) for a refusal, keep run synchronous, and add a fixture for it",
  ],
  invalid_output: [
    "internal",
    "the hook returned something that is not JSON, or a malformed business error",
    "return JSON.stringify-able data (AssemblyScript: build the string with the PDK's JSON builder); use fail(code, message) for business errors",
  ],
  module_size: [
    "invalid_argument",
    "the compiled component is over the module size limit",
    "drop unused dependencies and code, or split the hook",
  ],
  invalid_module: [
    "invalid_argument",
    "the module is not WebAssembly, or it is malformed",
    "build it with `ameide-ext build` (build_hook); do not hand-edit dist/",
  ],
  not_a_component: [
    "invalid_argument",
    "the module is a bare core WebAssembly module, not a component",
    "build it with `ameide-ext build` (build_hook), which wraps it as a component of the ameide:extension world",
  ],
  contract_mismatch: [
    "invalid_argument",
    "`run` or a host function has another type than the world ameide:extension@1.0.0 says",
    "export run(input: string): string exactly as the template does (see CONTRACT.md)",
  ],
  forbidden_import: [
    "invalid_argument",
    "the module imports something other than the host interface (WASI, the file system, sockets)",
    "remove the import: no Node built-ins, file system, network, clock or randomness inside a hook; ask the host through host.call",
  ],
  missing_export: [
    "invalid_argument",
    "the module does not export `run`",
    "export a function named run from src/index.ts, as the template does",
  ],
  integrity: [
    "failed_precondition",
    "the module's sha256 differs from the reference the catalog gives",
    "publish the module again through the registry (promote); never replace a stored module by hand",
  ],
  unsupported_feature: [
    "invalid_argument",
    "the module uses a WebAssembly feature the runtime refuses (exceptions, GC, threads, memory64, a mutable v128 global)",
    "build without that feature (the default build flags do)",
  ],
  module_too_complex: [
    "invalid_argument",
    "the module is over a shape cap (functions, tables, locals, nesting …), see CONTRACT.md",
    "make the hook smaller: fewer dependencies, less generated code",
  ],
  load_timeout: [
    "invalid_argument",
    "instrumenting, compiling or starting the module took longer than the load time limit",
    "make the module smaller and its start-up work lighter",
  ],
  invalid_input: [
    "invalid_argument",
    "the input is not JSON, or not what the hook's input schema says",
    "send a JSON document that matches the manifest's input_schema (`ameide-ext schema manifest`)",
  ],
  invalid_limits: [
    "invalid_argument",
    "a limit in extension.json is outside its bounds",
    "use cpu_millis 1..10000, memory_mb 1..1024, timeout_ms 1..60000 (CONTRACT.md, Limits)",
  ],
  invalid_manifest: [
    "invalid_argument",
    "extension.json does not match the manifest schema",
    "fix the field the message names; `ameide-ext schema manifest` prints the schema",
  ],
  host_call_denied: [
    "permission_denied",
    "a host call was refused by the risk tier or the manifest's allowlist (low allows none)",
    "declare the call in extension.json host_calls and use a risk tier that allows it (medium: read-only, high: allowlisted)",
  ],
  host_call_failed: [
    "unavailable",
    "the host service answered a host call with an error, or could not be reached",
    "handle the failure in the hook (a default or a business error), and answer the call in the fixture's hostCalls",
  ],
  worker_lost: [
    "unavailable",
    "the worker running the invocation died",
    "retry; when it repeats, the hook likely exhausts the engine: lower its memory or work",
  ],
  circuit_open: [
    "unavailable",
    "the extension's circuit breaker is open after repeated technical errors",
    "fix the errors the extension keeps raising (hook_status, the runtime's logs); the breaker closes after its cool-down",
  ],
  compile_error: [
    "invalid_argument",
    "the hook's source does not compile; error.details.diagnostics has file, line, column and message",
    "fix each diagnostic in src/, then build again",
  ],
  disabled: [
    "failed_precondition",
    "the extension version is switched off in the runtime's catalog (kill switch)",
    "ask an operator why it was disabled, or promote a fixed version",
  ],
  store_unavailable: [
    "unavailable",
    "the module store cannot be reached, or lacks the module",
    "retry later; when it persists, promote the version again so its module is stored",
  ],
  shutting_down: [
    "unavailable",
    "the runtime is draining before it stops",
    "retry on another instance or shortly",
  ],
  overloaded: [
    "unavailable",
    "the invocation waited for a pool worker until its deadline passed and was not run",
    "retry with backoff, or give the call a longer deadline",
  ],
  caller_unauthenticated: [
    "unauthenticated",
    "the runtime's caller has no valid token (none, bad signature, wrong issuer or audience, expired)",
    "send a fresh caller token (`ameide-ext dev` writes one to .ameide-dev/runtime-token)",
  ],
  tenant_not_allowed: [
    "permission_denied",
    "the caller may not act for the context's tenant",
    "use the tenant your token is for, or a token for that tenant",
  ],
  context_mismatch: [
    "permission_denied",
    "the execution context contradicts the end user's token (another user or tenant)",
    "build the context from the end user's token, not from request fields",
  ],
  module_ref_outside_tenant: [
    "invalid_argument",
    "a catalog entry's wasm_blob_ref lies outside extensions/<its tenant>/",
    "publish through the registry, which writes refs under the tenant's prefix",
  ],
};

/** Every code, for an error that has no reason. */
const CODES: Readonly<Record<ErrorCode, readonly [meaning: string, fix: string]>> = {
  invalid_argument: [
    "the request was wrong: a bad flag, option, manifest, fixture or input",
    "read the message: it quotes the offending value and the allowed ones",
  ],
  unauthenticated: ["no valid token was given", "pass a token (--token, AMEIDE_TOKEN or the config file)"],
  not_found: [
    "the hook, file, extension or version does not exist",
    "check the name or path; `ameide-ext status` lists an extension's versions",
  ],
  permission_denied: [
    "a rule refused the request; error.details.rule names it",
    "do what the rule asks (another approver, a lower risk tier, an allowed environment); never work around it",
  ],
  failed_precondition: [
    "the request does not fit the current state (a non-empty folder, a version in another state)",
    "bring the state to what the message asks (an empty folder, a compiled version), then retry",
  ],
  resource_exhausted: ["a limit was reached", "do less work, or raise the limit within its bounds"],
  deadline_exceeded: [
    "the work did not finish in time",
    "do less work, or give it more time within the bounds",
  ],
  unavailable: [
    "a service could not be reached or is busy",
    "retry with backoff; check `ameide-ext dev` is running",
  ],
  internal: [
    "a bug in ameide-ext or the hook's output",
    "read the message; when it is not your output, report it with the command and its --json document",
  ],
};

/**
 * What an error means and how to fix it, by reason (preferred) or code. Throws `invalid_argument` for a code
 * or reason outside the closed sets, or when neither is given.
 */
export function explainError(query: { code?: string | undefined; reason?: string | undefined }): ErrorGuide {
  const { code, reason } = query;
  if (reason !== undefined) {
    if (!isErrorReason(reason))
      throw new ExtensionError(
        "invalid_argument",
        `unknown reason ${JSON.stringify(reason)}: use one of ${ERROR_REASONS.join(", ")}`,
      );
    const [reasonCode, meaning, fix] = REASONS[reason];
    return { code: reasonCode, reason, meaning, fix };
  }
  if (code === undefined)
    throw new ExtensionError("invalid_argument", "give a code or a reason to explain (e.g. reason: fuel)");
  if (!isErrorCode(code))
    throw new ExtensionError(
      "invalid_argument",
      `unknown code ${JSON.stringify(code)}: use one of ${ERROR_CODES.join(", ")}`,
    );
  const [meaning, fix] = CODES[code];
  return { code, reason: null, meaning, fix };
}
