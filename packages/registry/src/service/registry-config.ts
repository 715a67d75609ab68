import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { ExtensionError, RISK_TIERS, type RiskTier } from "@ameide-ext/contract";
import { S3_SETTINGS_SCHEMA, type S3SettingsFile } from "@ameide-ext/runtime";
import { Ajv } from "ajv";
import { parse as parseYaml } from "yaml";
import type { DependencyOptions } from "../compile/install-dependencies.js";
import {
  type CompileBudgetOptions,
  MAX_COMPILES_PER_MINUTE,
  MAX_CONCURRENT_COMPILES,
} from "../domain/compile-budget.js";
import { type GovernanceOptions, MAX_AGENT_VERSIONS_PER_HOUR } from "../domain/governance.js";
import { ENVIRONMENTS, type Env } from "../domain/types.js";
import type { StaticToken } from "./create-authenticator.js";

/** The registry's config file (YAML or JSON), as written. Relative paths resolve against the file's folder. */
export interface RegistryConfigFile {
  /** A SQLite file path (default "registry.db") or a `postgres://…` connection string. */
  database?: string;
  /** Where to listen. Default 127.0.0.1:8090. */
  listen?: { host?: string; port?: number };
  /**
   * The module store: a folder (`root`, default "modules": modules go to
   * `<root>/extensions/<tenant>/<extension>/<version>.wasm`), or S3 / MinIO
   * (`s3`, the runtime's {@link S3SettingsFile}, which its store reads from:
   * bucket `extensions`; credentials from the AWS SDK's default chain, e.g.
   * AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).
   */
  modules?: { root?: string; s3?: S3SettingsFile };
  /**
   * Where each environment's runtime catalog goes: a file (relative to this config's folder), or
   * `s3://<bucket>/catalogs/<env>.json` in the module store's bucket, written with `modules.s3`'s
   * connection (docs/registry.md, "Publishing to the bucket").
   */
  catalogs?: Partial<Record<Env, string>>;
  /** Static tokens and/or HS256 JWT verification; `secret_env` names an environment variable holding the secret. */
  auth: {
    tokens?: StaticToken[];
    jwt?: { secret?: string; secret_env?: string; issuer?: string; audience?: string };
  };
  /**
   * The guardrails per agent: `agents` maps `agent:<id>` (and `default`, for every agent not listed)
   * to its `max_risk_tier` (default low), the `environments` it may request promotion to (default
   * all) and its `versions_per_hour` (default 60). The older `default_agent_max_risk_tier` and
   * `agent_max_risk_tier` still set tiers; `agents` wins where both name one. `replay_required`: the
   * environments (`envs`, default [prod]) and risk tiers (`risk_tiers`, default [high]) whose promotions
   * need a replay report attached first (rule `replay_required`); empty lists require none.
   */
  governance?: {
    default_agent_max_risk_tier?: RiskTier;
    agent_max_risk_tier?: Record<string, RiskTier>;
    agents?: Record<string, AgentLimitsFile>;
    replay_required?: { envs?: Env[]; risk_tiers?: RiskTier[] };
  };
  /**
   * Per host service (its full name), the methods that only read: the operator's word, from which the
   * registry decides each host call's `read_only` (a medium-risk extension may call these only). Default
   * none. A manifest marking any other method `read_only` is refused (rule `host_call_not_read_only`).
   */
  read_only_host_methods?: Record<string, string[]>;
  /**
   * Each caller's compile budget: `callers` (every identity but agents; default 30 per minute, 4 at
   * once) and `agents` (each agent on its own; default 6 per minute, 1 at once), each `per_minute`
   * (1 to 10,000) and `concurrent` (1 to 64). Past it RequestCompile is refused (rule `compile_rate`).
   */
  compile_budget?: { callers?: CompileBudgetFile; agents?: CompileBudgetFile };
  /** Compiles at once. Default 1. */
  compile_concurrency?: number;
  /**
   * The install of a hook's npm dependencies in a compile (`npm ci --ignore-scripts` of its lockfile):
   * `npm_registry` (default https://registry.npmjs.org/; a lockfile naming another is refused),
   * `timeout_ms` (default 60 000), the installed `max_bytes` (default 32 MiB) and `max_files` (5 000).
   */
  compile_dependencies?: {
    npm_registry?: string;
    timeout_ms?: number;
    max_bytes?: number;
    max_files?: number;
  };
  /** On shutdown, the longest wait for compiles in flight before they are cancelled, in milliseconds. Default 10,000. */
  shutdown_grace_ms?: number;
}

/** One class of callers' compile budget in the config file (see {@link RegistryConfigFile.compile_budget}). */
export interface CompileBudgetFile {
  per_minute?: number;
  concurrent?: number;
}

const COMPILE_BUDGET_SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
    per_minute: { type: "integer", minimum: 1, maximum: MAX_COMPILES_PER_MINUTE },
    concurrent: { type: "integer", minimum: 1, maximum: MAX_CONCURRENT_COMPILES },
  },
} as const;

/** One agent's guardrails in the config file (see {@link RegistryConfigFile.governance}). */
export interface AgentLimitsFile {
  max_risk_tier?: RiskTier;
  environments?: Env[];
  versions_per_hour?: number;
}

const AGENT_LIMITS_SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
    max_risk_tier: { enum: [...RISK_TIERS] },
    environments: { type: "array", minItems: 1, uniqueItems: true, items: { enum: [...ENVIRONMENTS] } },
    versions_per_hour: { type: "integer", minimum: 1, maximum: MAX_AGENT_VERSIONS_PER_HOUR },
  },
} as const;

/** A catalog's target: a file path, or an `s3://<bucket>/<key>` object (never another URL scheme). */
const CATALOG_TARGET = {
  type: "string",
  minLength: 1,
  anyOf: [
    { pattern: "^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/\\S+$" },
    { not: { pattern: "^[A-Za-z][A-Za-z0-9+.-]*://" } },
  ],
} as const;

/** JSON Schema of {@link RegistryConfigFile}. */
export const REGISTRY_CONFIG_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["auth"],
  properties: {
    database: { type: "string", minLength: 1 },
    listen: {
      type: "object",
      additionalProperties: false,
      properties: {
        host: { type: "string", minLength: 1 },
        port: { type: "integer", minimum: 0, maximum: 65535 },
      },
    },
    modules: {
      type: "object",
      additionalProperties: false,
      properties: {
        root: { type: "string", minLength: 1 },
        s3: S3_SETTINGS_SCHEMA,
      },
    },
    catalogs: {
      type: "object",
      additionalProperties: false,
      properties: {
        dev: CATALOG_TARGET,
        staging: CATALOG_TARGET,
        prod: CATALOG_TARGET,
      },
    },
    auth: {
      type: "object",
      additionalProperties: false,
      properties: {
        tokens: {
          type: "array",
          items: {
            type: "object",
            additionalProperties: false,
            required: ["token", "identity", "tenants"],
            properties: {
              token: { type: "string", minLength: 16 },
              identity: { type: "string", pattern: "^(user|agent|service):[A-Za-z0-9._@-]{1,128}$" },
              tenants: { type: "array", minItems: 1, items: { type: "string", minLength: 1 } },
            },
          },
        },
        jwt: {
          type: "object",
          additionalProperties: false,
          properties: {
            secret: { type: "string", minLength: 32 },
            secret_env: { type: "string", minLength: 1 },
            issuer: { type: "string" },
            audience: { type: "string" },
          },
        },
      },
    },
    governance: {
      type: "object",
      additionalProperties: false,
      properties: {
        default_agent_max_risk_tier: { enum: [...RISK_TIERS] },
        agent_max_risk_tier: {
          type: "object",
          propertyNames: { pattern: "^agent:" },
          additionalProperties: { enum: [...RISK_TIERS] },
        },
        agents: {
          type: "object",
          propertyNames: { pattern: "^(default|agent:[A-Za-z0-9._@-]{1,128})$" },
          additionalProperties: AGENT_LIMITS_SCHEMA,
        },
        replay_required: {
          type: "object",
          additionalProperties: false,
          properties: {
            envs: { type: "array", uniqueItems: true, items: { enum: [...ENVIRONMENTS] } },
            risk_tiers: { type: "array", uniqueItems: true, items: { enum: [...RISK_TIERS] } },
          },
        },
      },
    },
    read_only_host_methods: {
      type: "object",
      propertyNames: { pattern: "^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*$", maxLength: 256 },
      additionalProperties: {
        type: "array",
        uniqueItems: true,
        items: { type: "string", pattern: "^[A-Za-z_][A-Za-z0-9_]*$", maxLength: 128 },
      },
    },
    compile_budget: {
      type: "object",
      additionalProperties: false,
      properties: { callers: COMPILE_BUDGET_SCHEMA, agents: COMPILE_BUDGET_SCHEMA },
    },
    compile_concurrency: { type: "integer", minimum: 1, maximum: 16 },
    compile_dependencies: {
      type: "object",
      additionalProperties: false,
      properties: {
        npm_registry: { type: "string", pattern: "^https?://[^\\s]+$" },
        timeout_ms: { type: "integer", minimum: 1_000, maximum: 600_000 },
        max_bytes: { type: "integer", minimum: 1, maximum: 1024 * 1024 * 1024 },
        max_files: { type: "integer", minimum: 1, maximum: 100_000 },
      },
    },
    shutdown_grace_ms: { type: "integer", minimum: 0, maximum: 600_000 },
  },
} as const;

let validate: ReturnType<Ajv["compile"]> | undefined;

/** Checks a parsed config and resolves its paths against `baseDir`. Throws `invalid_argument/invalid_manifest`. */
export function checkRegistryConfig(
  doc: unknown,
  baseDir: string,
  source = "registry config",
): RegistryConfigFile {
  validate ??= new Ajv({ allErrors: true, strict: true }).compile(REGISTRY_CONFIG_SCHEMA);
  if (!validate(doc)) {
    const problems = (validate.errors ?? []).map((e) => ({
      path: e.instancePath || "/",
      message: e.message ?? "is invalid",
    }));
    throw new ExtensionError(
      "invalid_argument",
      `${source} is not valid: ${problems.map((p) => `${p.path} ${p.message}`).join("; ")}`,
      "invalid_manifest",
      { problems },
    );
  }
  const c = doc as RegistryConfigFile;
  const at = (p: string) => resolve(baseDir, p);
  const database = c.database ?? "registry.db";
  const catalogs: Partial<Record<Env, string>> = {};
  for (const [env, target] of Object.entries(c.catalogs ?? {}))
    catalogs[env as Env] = target.startsWith("s3://") ? target : at(target);
  return {
    ...c,
    database: /^postgres(ql)?:\/\//.test(database) || database === ":memory:" ? database : at(database),
    modules: { ...c.modules, root: at(c.modules?.root ?? "modules") },
    catalogs,
  };
}

/** The config's `compile_dependencies` section as the compile worker's {@link DependencyOptions}. */
export function compileDependencyOptions(config: RegistryConfigFile): DependencyOptions {
  const d = config.compile_dependencies ?? {};
  return {
    registryUrl: d.npm_registry,
    timeoutMs: d.timeout_ms,
    maxBytes: d.max_bytes,
    maxFiles: d.max_files,
  };
}

/** The config's `compile_budget` section as the registry's {@link CompileBudgetOptions}. */
export function compileBudgetOptions(config: RegistryConfigFile): CompileBudgetOptions {
  const b = config.compile_budget ?? {};
  const limits = (f: CompileBudgetFile | undefined) =>
    f && { perMinute: f.per_minute, concurrent: f.concurrent };
  return { callers: limits(b.callers), agents: limits(b.agents) };
}

/** The config's `governance` section as the registry's {@link GovernanceOptions}. */
export function governanceOptions(config: RegistryConfigFile): GovernanceOptions {
  const g = config.governance;
  const agents = g?.agents
    ? Object.fromEntries(
        Object.entries(g.agents).map(([agent, a]) => [
          agent,
          {
            maxRiskTier: a.max_risk_tier,
            environments: a.environments,
            versionsPerHour: a.versions_per_hour,
          },
        ]),
      )
    : undefined;
  return {
    defaultAgentMaxRiskTier: g?.default_agent_max_risk_tier,
    agentMaxRiskTier: g?.agent_max_risk_tier,
    agents,
    replayRequired: g?.replay_required && {
      envs: g.replay_required.envs,
      riskTiers: g.replay_required.risk_tiers,
    },
  };
}

/** Reads and checks a config file. */
export async function loadRegistryConfig(file: string): Promise<RegistryConfigFile> {
  let doc: unknown;
  try {
    doc = parseYaml(await readFile(file, "utf8"));
  } catch (cause) {
    throw new ExtensionError(
      "invalid_argument",
      `${file} cannot be read as YAML or JSON: ${(cause as Error).message}`,
      "invalid_manifest",
    );
  }
  return checkRegistryConfig(doc, dirname(resolve(file)), file);
}
