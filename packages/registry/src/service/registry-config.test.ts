import { S3_SETTINGS_SCHEMA } from "@ameide-ext/runtime";
import { describe, expect, it } from "vitest";
import { checkRegistryConfig, governanceOptions, REGISTRY_CONFIG_SCHEMA } from "./registry-config.js";

const auth = { tokens: [{ token: "t".repeat(16), identity: "user:ann", tenants: ["*"] }] };

describe("checkRegistryConfig()", () => {
  it("fills in defaults and resolves paths against the config's folder; a postgres URL stays as it is", () => {
    const c = checkRegistryConfig({ auth, catalogs: { dev: "cat/dev.json" } }, "/etc/ameide");
    expect(c).toMatchObject({
      database: "/etc/ameide/registry.db",
      modules: { root: "/etc/ameide/modules" },
      catalogs: { dev: "/etc/ameide/cat/dev.json" },
    });
    expect(checkRegistryConfig({ auth, database: "postgres://u@db:5432/r" }, "/x").database).toBe(
      "postgres://u@db:5432/r",
    );
    expect(
      checkRegistryConfig({ auth, modules: { s3: { endpoint: "http://minio:9000" } } }, "/x").modules?.s3,
    ).toEqual({
      endpoint: "http://minio:9000",
    });
  });

  it.each([
    ["no auth", {}],
    ["an unknown key", { auth, surprise: 1 }],
    ["a short token", { auth: { tokens: [{ token: "short", identity: "user:a", tenants: ["*"] }] } }],
    ["a bad identity", { auth: { tokens: [{ token: "t".repeat(16), identity: "root", tenants: ["*"] }] } }],
    ["an unknown environment", { auth, catalogs: { qa: "x.json" } }],
    [
      "an agent tier that is no tier",
      { auth, governance: { agent_max_risk_tier: { "agent:x": "extreme" } } },
    ],
    [
      "an agent's unknown environment",
      { auth, governance: { agents: { "agent:x": { environments: ["qa"] } } } },
    ],
    ["an agent's rate of 0", { auth, governance: { agents: { default: { versions_per_hour: 0 } } } }],
    [
      "an agent key that is no agent",
      { auth, governance: { agents: { "user:ann": { max_risk_tier: "low" } } } },
    ],
    ["an unknown agent setting", { auth, governance: { agents: { "agent:x": { approve: true } } } }],
  ])("refuses %s as invalid_argument/invalid_manifest", (_name, doc) => {
    expect(() => checkRegistryConfig(doc, "/x")).toThrow(
      expect.objectContaining({ code: "invalid_argument", reason: "invalid_manifest" }),
    );
  });

  it("maps governance.agents (and the older tier keys) to the registry's guardrails per agent", () => {
    const c = checkRegistryConfig(
      {
        auth,
        governance: {
          default_agent_max_risk_tier: "medium",
          agents: {
            default: { environments: ["dev"], versions_per_hour: 5 },
            "agent:l2o": { max_risk_tier: "high", environments: ["dev", "staging"] },
          },
        },
      },
      "/x",
    );
    expect(governanceOptions(c)).toEqual({
      defaultAgentMaxRiskTier: "medium",
      agentMaxRiskTier: undefined,
      agents: {
        default: { maxRiskTier: undefined, environments: ["dev"], versionsPerHour: 5 },
        "agent:l2o": { maxRiskTier: "high", environments: ["dev", "staging"], versionsPerHour: undefined },
      },
    });
  });

  it("maps governance.replay_required (where a replay report must be attached before promotion)", () => {
    const c = checkRegistryConfig(
      { auth, governance: { replay_required: { envs: ["dev", "prod"], risk_tiers: ["medium", "high"] } } },
      "/x",
    );
    expect(governanceOptions(c).replayRequired).toEqual({
      envs: ["dev", "prod"],
      riskTiers: ["medium", "high"],
    });
    expect(governanceOptions(checkRegistryConfig({ auth }, "/x")).replayRequired).toBeUndefined();
  });

  it.each([
    ["an unknown environment", { envs: ["qa"] }],
    ["an unknown tier", { risk_tiers: ["extreme"] }],
    ["an unknown key", { envs: ["prod"], when: "always" }],
  ])("refuses governance.replay_required with %s (invalid_argument/invalid_manifest)", (_name, replay) => {
    expect(() => checkRegistryConfig({ auth, governance: { replay_required: replay } }, "/x")).toThrow(
      expect.objectContaining({ code: "invalid_argument", reason: "invalid_manifest" }),
    );
  });

  it("takes modules.s3 in the runtime's S3 settings schema, the one copy", () => {
    expect(REGISTRY_CONFIG_SCHEMA.properties.modules.properties.s3).toBe(S3_SETTINGS_SCHEMA);
  });
});
