import { describe, expect, it } from "vitest";
import { checkRegistryConfig } from "./registry-config.js";

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
