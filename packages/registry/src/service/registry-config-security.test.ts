import { describe, expect, it } from "vitest";
import { checkRegistryConfig, compileBudgetOptions } from "./registry-config.js";

const auth = { tokens: [{ token: "t".repeat(16), identity: "user:ann", tenants: ["*"] }] };

describe("checkRegistryConfig(): read_only_host_methods", () => {
  it("takes per host service its read-only methods", () => {
    const c = checkRegistryConfig(
      { auth, read_only_host_methods: { "ameide.crm.v1.CustomerService": ["GetCustomer", "ListCustomers"] } },
      "/x",
    );
    expect(c.read_only_host_methods).toEqual({
      "ameide.crm.v1.CustomerService": ["GetCustomer", "ListCustomers"],
    });
  });

  it.each([
    ["a service name that is no proto name", { "crm service": ["Get"] }],
    ["a method name that is no proto name", { "ameide.crm.v1.CustomerService": ["Get/Customer"] }],
    ["a method list that is no list", { "ameide.crm.v1.CustomerService": "GetCustomer" }],
    ["a method named twice", { "ameide.crm.v1.CustomerService": ["Get", "Get"] }],
  ])("refuses %s as invalid_argument/invalid_manifest", (_name, methods) => {
    expect(() => checkRegistryConfig({ auth, read_only_host_methods: methods }, "/x")).toThrow(
      expect.objectContaining({ code: "invalid_argument", reason: "invalid_manifest" }),
    );
  });
});

describe("checkRegistryConfig(): compile_budget", () => {
  it("maps callers' and agents' per_minute and concurrent to the registry's compile budget", () => {
    const c = checkRegistryConfig(
      { auth, compile_budget: { callers: { per_minute: 50 }, agents: { per_minute: 3, concurrent: 1 } } },
      "/x",
    );
    expect(compileBudgetOptions(c)).toEqual({
      callers: { perMinute: 50, concurrent: undefined },
      agents: { perMinute: 3, concurrent: 1 },
    });
    expect(compileBudgetOptions(checkRegistryConfig({ auth }, "/x"))).toEqual({
      callers: undefined,
      agents: undefined,
    });
  });

  it.each([
    ["a rate of 0", { agents: { per_minute: 0 } }],
    ["a concurrency above 64", { callers: { concurrent: 65 } }],
    ["an unknown class of callers", { humans: { per_minute: 5 } }],
    ["an unknown setting", { agents: { per_hour: 5 } }],
  ])("refuses %s as invalid_argument/invalid_manifest", (_name, budget) => {
    expect(() => checkRegistryConfig({ auth, compile_budget: budget }, "/x")).toThrow(
      expect.objectContaining({ code: "invalid_argument", reason: "invalid_manifest" }),
    );
  });
});
