// The dev stack is the developer's own machine, where they are the registry's operator: `dev --read-only
// <service>/<method>` declares a host method read-only there (the registry's read_only_host_methods).
import { ExtensionError } from "@ameide-ext/contract";
import { describe, expect, it } from "vitest";
import { parseReadOnlyMethods, readOnlyFlagsOf } from "./dev-read-only-methods.js";

const CRM = "ameide.crm.v1.AccountService";

describe("parseReadOnlyMethods", () => {
  it("groups service/method pairs per service, each method once", () => {
    expect(
      parseReadOnlyMethods([
        `${CRM}/GetChurnRisk`,
        `${CRM}/GetAccount`,
        `${CRM}/GetChurnRisk`,
        "ameide.crm.v1.CustomerService/GetCustomer",
      ]),
    ).toEqual({
      [CRM]: ["GetChurnRisk", "GetAccount"],
      "ameide.crm.v1.CustomerService": ["GetCustomer"],
    });
  });

  it("none given: none declared", () => {
    expect(parseReadOnlyMethods(undefined)).toEqual({});
    expect(parseReadOnlyMethods([])).toEqual({});
  });

  it.each([
    "GetChurnRisk",
    `${CRM}/`,
    "/GetChurnRisk",
    `${CRM}.GetChurnRisk`,
    `${CRM}/Get/ChurnRisk`,
    "ameide crm/Get",
    `${CRM}/Get-Risk`,
    "",
  ])("refuses %j as invalid_argument, quoting it and the form", (value) => {
    let error: unknown;
    try {
      parseReadOnlyMethods([value]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ExtensionError);
    expect(error).toMatchObject({
      code: "invalid_argument",
      reason: "invalid_input",
      details: { field: "--read-only", value },
    });
    expect((error as Error).message).toContain(JSON.stringify(value));
    expect((error as Error).message).toContain("<service>/<method>");
  });
});

describe("readOnlyFlagsOf", () => {
  it("the --read-only flags that declare a manifest's read_only host calls, each once", () => {
    expect(
      readOnlyFlagsOf([
        { service: CRM, method: "GetChurnRisk", read_only: true },
        { service: CRM, method: "UpdateAccount" },
        { service: CRM, method: "GetChurnRisk", read_only: true },
      ]),
    ).toEqual([`--read-only ${CRM}/GetChurnRisk`]);
    expect(readOnlyFlagsOf(undefined)).toEqual([]);
  });
});

describe("parseReadOnlyMethods, hostile names", () => {
  it('a service named "__proto__" stays a plain key, not the prototype', () => {
    const methods = parseReadOnlyMethods(["__proto__/Get"]);
    expect(Object.getPrototypeOf(methods)).toBe(Object.prototype);
    expect(Object.keys(methods)).toEqual(["__proto__"]);
  });
});
