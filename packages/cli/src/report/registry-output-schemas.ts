import { ENVIRONMENTS } from "@ameide-ext/contract";
import type { JsonSchema } from "@ameide-ext/toolkit";

// The `--json` documents of the commands that talk to the registry or start the local stack: promote,
// status, approve, reject, rollback, disable, enable, bind, bindings, dev. Each is exactly what the command's library function
// returns (promoteHook, registryStatus, reviewVersion …), so a field added there needs a line here, and the
// e2e test that validates every document fails until it has one.

const STRING: JsonSchema = { type: "string" };
const STRINGS: JsonSchema = { type: "array", items: STRING };
const COUNT: JsonSchema = { type: "integer", minimum: 0 };
const ENV: JsonSchema = { enum: [...ENVIRONMENTS] };
/** An environment as the registry's messages carry it: empty when unset. */
const ENV_OR_EMPTY: JsonSchema = { enum: [...ENVIRONMENTS, ""] };

/** An object with exactly these properties, all required. */
function exactly(properties: Record<string, JsonSchema>, description?: string): JsonSchema {
  return {
    type: "object",
    ...(description === undefined ? {} : { description }),
    required: Object.keys(properties),
    additionalProperties: false,
    properties,
  };
}

/** What each environment runs now: version by environment, an environment that runs nothing left out. */
const DEPLOYMENTS: JsonSchema = {
  type: "object",
  description: "the version each environment runs now; an environment that runs none is left out",
  additionalProperties: false,
  properties: Object.fromEntries(ENVIRONMENTS.map((e) => [e, STRING])),
};

/** Who may give the approvals still missing, as the registry says. */
const MAY_APPROVE = exactly(
  {
    approvers: STRINGS,
    excluded: STRINGS,
    eligible: STRINGS,
  },
  "approvers: who approved so far; excluded: who may not (the author, who approved already; agents never may); eligible: the humans the registry knows who may approve now (empty: any other human user:<id> of the tenant)",
);

/** The registry's compile of a version: build, contract and policy checks, the fixtures. */
const COMPILE: JsonSchema = {
  anyOf: [
    { type: "null" },
    exactly({
      status: STRING,
      toolchain: STRING,
      moduleBytes: COUNT,
      diagnostics: {
        type: "array",
        items: exactly({
          step: { enum: ["", "build", "abi_check", "policy_check"] },
          severity: { enum: ["", "error", "warning", "info"] },
          reason: STRING,
          path: STRING,
          line: COUNT,
          column: COUNT,
          message: STRING,
        }),
      },
      tests: {
        type: "array",
        items: exactly({
          name: STRING,
          passed: { type: "boolean" },
          message: STRING,
          maxLimitRatio: { type: "number", minimum: 0 },
        }),
      },
    }),
  ],
};

/** `promote --json`: the version, its state, what each environment runs, and the gate it waits at. */
const PROMOTE = exactly({
  ok: { type: "boolean", description: "true only when the version runs in env (then the exit code is 0)" },
  reason: {
    enum: [null, "compile_failed", "gated"],
    description: "why it stopped short of env: the compile failed, or a promotion waits for approvals",
  },
  tenant: STRING,
  extension: STRING,
  version: STRING,
  created: { type: "boolean", description: "true when this run created the version" },
  state: STRING,
  env: ENV,
  reached: { type: "boolean" },
  deployments: DEPLOYMENTS,
  gate: {
    anyOf: [
      { type: "null" },
      exactly({
        env: ENV,
        rule: { const: "approvals_required" },
        approvalsRequired: COUNT,
        approvals: COUNT,
        author: STRING,
        mayApprove: MAY_APPROVE,
        approveCommand: STRING,
        message: STRING,
      }),
    ],
  },
  compile: COMPILE,
});

/** `status --json`: the extension's versions, their states, and what each environment runs. */
const STATUS = exactly({
  ok: { const: true },
  tenant: STRING,
  extension: STRING,
  latestVersion: STRING,
  deployments: DEPLOYMENTS,
  pins: {
    type: "array",
    items: exactly({ env: ENV_OR_EMPTY, consumerRef: STRING, version: STRING }),
  },
  versions: {
    type: "array",
    items: exactly({
      version: STRING,
      state: STRING,
      compile: STRING,
      createdBy: STRING,
      pending: {
        anyOf: [
          { type: "null" },
          exactly({
            env: ENV_OR_EMPTY,
            approvalsRequired: COUNT,
            requestedBy: STRING,
            mayApprove: MAY_APPROVE,
          }),
        ],
      },
      approvals: { type: "array", items: exactly({ env: ENV_OR_EMPTY, approver: STRING }) },
      replayReports: {
        type: "array",
        description:
          "the replay reports attached to the version (replay --attach), one per environment at most",
        items: exactly({ env: ENV_OR_EMPTY, summary: STRING, attachedBy: STRING, attachedAt: STRING }),
      },
    }),
  },
});

/** `approve --json` and `reject --json`. */
function review(decision: "approve" | "reject"): JsonSchema {
  return exactly({
    ok: { const: true },
    decision: { const: decision },
    tenant: STRING,
    extension: STRING,
    version: STRING,
    env: ENV,
    state: STRING,
    promoted: { type: "boolean", description: "true when this approval was the last one needed" },
    approvalsMissing: COUNT,
    deployments: DEPLOYMENTS,
    next: { type: ["string", "null"], description: "the command to run next, when there is one" },
  });
}

/** `rollback --json`. */
const ROLLBACK = exactly({
  ok: { const: true },
  tenant: STRING,
  extension: STRING,
  env: ENV,
  from: { type: "string", description: "the version active before" },
  to: { type: "string", description: "the version active now" },
  deployments: DEPLOYMENTS,
});

/** `disable --json` and `enable --json`: the kill switch (switchExtension). */
const KILL_SWITCH = exactly({
  ok: { const: true },
  tenant: STRING,
  extension: STRING,
  env: ENV,
  version: { type: "string", description: 'the version switched; "" for every version of the extension' },
  disabled: { type: "boolean", description: "true after disable (the switch is thrown), false after enable" },
  disabledVersions: {
    ...STRINGS,
    description: 'the versions switched off in env after the change, sorted ("" for the whole extension)',
  },
});

const BINDING = {
  env: ENV_OR_EMPTY,
  domain: STRING,
  point: STRING,
  extension: STRING,
  version: { type: "string", description: 'a version, or "latest": the one active in env' },
  updatedBy: STRING,
  updatedAt: STRING,
};

/** `bind --json` (and `bind --clear`). */
const BIND = exactly({
  ok: { const: true },
  tenant: STRING,
  cleared: { type: "boolean", description: "true for bind --clear: the binding shown is the one removed" },
  ...BINDING,
});

/** `bindings --json`. */
const BINDINGS = exactly({
  ok: { const: true },
  tenant: STRING,
  bindings: { type: "array", items: exactly(BINDING) },
});

/** `dev --json`: printed once both services are up (and again, with ok false, after a forced stop). */
const DEV = exactly({
  ok: { type: "boolean" },
  dir: STRING,
  registryUrl: STRING,
  runtimeUrl: STRING,
  catalog: STRING,
  modules: STRING,
  configFile: STRING,
  tenant: STRING,
  tokens: {
    type: "object",
    description: "bearer tokens for the registry, by identity (user:<name>, user:reviewer, agent:dev)",
    additionalProperties: STRING,
  },
  runtimeToken: STRING,
  runtimeTokenFile: STRING,
  invokeUrl: STRING,
  invokeCurl: STRING,
  hostCalls: {
    description:
      "with --host-calls: the answers file, the server answering from it, the services pointed at it",
    anyOf: [{ type: "null" }, exactly({ file: STRING, url: STRING, services: STRINGS })],
  },
  readOnlyHostMethods: {
    type: "object",
    description:
      "the registry's read_only_host_methods (--read-only): per host service, the methods declared read-only",
    additionalProperties: STRINGS,
  },
});

/** The `--json` documents of promote, status, approve, reject, rollback, bind, bindings and dev. */
export const REGISTRY_OUTPUT_SCHEMAS = {
  promote: PROMOTE,
  status: STATUS,
  approve: review("approve"),
  reject: review("reject"),
  rollback: ROLLBACK,
  disable: KILL_SWITCH,
  enable: KILL_SWITCH,
  bind: BIND,
  bindings: BINDINGS,
  dev: DEV,
} as const satisfies Record<string, JsonSchema>;
