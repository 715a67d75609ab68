import { describe, expect, it } from "vitest";
import { createReadOnlyMethods } from "./read-only-methods.js";

const CRM = "ameide.crm.v1.CustomerService";

describe("createReadOnlyMethods()", () => {
  it("knows no method as read-only by default", () => {
    const r = createReadOnlyMethods();
    expect(r.isReadOnly(CRM, "GetCustomer")).toBe(false);
  });

  it("knows the methods the operator lists for a service, and no other", () => {
    const r = createReadOnlyMethods({ [CRM]: ["GetCustomer"] });
    expect(r.isReadOnly(CRM, "GetCustomer")).toBe(true);
    expect(r.isReadOnly(CRM, "UpdateCustomer")).toBe(false);
    expect(r.isReadOnly("ameide.other.v1.S", "GetCustomer")).toBe(false);
  });

  it("gives every host call the registry's verdict, whatever the author wrote", () => {
    const r = createReadOnlyMethods({ [CRM]: ["GetCustomer"] });
    expect(
      r.verdict([
        { service: CRM, method: "GetCustomer" },
        { service: CRM, method: "UpdateCustomer", read_only: true },
        { service: CRM, method: "GetCustomer", read_only: false },
      ]),
    ).toEqual([
      { service: CRM, method: "GetCustomer", read_only: true },
      { service: CRM, method: "UpdateCustomer", read_only: false },
      { service: CRM, method: "GetCustomer", read_only: true },
    ]);
  });

  it("refuses a read_only claim for a method it does not know as read-only (failed_precondition, host_call_not_read_only)", () => {
    const r = createReadOnlyMethods({ [CRM]: ["GetCustomer"] });
    let caught: unknown;
    try {
      r.checkClaims([{ service: CRM, method: "UpdateCustomer", read_only: true }], "the manifest");
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({
      code: "failed_precondition",
      details: { rule: "host_call_not_read_only", service: CRM, method: "UpdateCustomer" },
    });
    expect((caught as Error).message).toContain(`${CRM}/UpdateCustomer`);
  });

  it("the refusal's fix says how the operator lists the method, and how a developer does on `ameide-ext dev`", () => {
    const r = createReadOnlyMethods({});
    let caught: unknown;
    try {
      r.checkClaims([{ service: CRM, method: "GetCustomer", read_only: true }], "the manifest");
    } catch (e) {
      caught = e;
    }
    const fix = (caught as { details: { fix: string } }).details.fix;
    expect(fix).toContain(`list ${CRM}/GetCustomer under read_only_host_methods`);
    expect(fix).toContain(`ameide-ext dev`);
    expect(fix).toContain(`--read-only ${CRM}/GetCustomer`);
  });

  it("accepts a read_only claim for a method it knows as read-only, and no claim at all", () => {
    const r = createReadOnlyMethods({ [CRM]: ["GetCustomer"] });
    expect(() =>
      r.checkClaims(
        [
          { service: CRM, method: "GetCustomer", read_only: true },
          { service: CRM, method: "UpdateCustomer" },
          { service: CRM, method: "DeleteCustomer", read_only: false },
        ],
        "the manifest",
      ),
    ).not.toThrow();
  });

  it.each([
    ["an empty service name", { "": ["Get"] }],
    ["an empty method name", { [CRM]: [""] }],
    ["a method list that is no list", { [CRM]: "Get" as unknown as string[] }],
  ])("refuses %s (invalid_argument)", (_name, options) => {
    expect(() => createReadOnlyMethods(options)).toThrow(
      expect.objectContaining({ code: "invalid_argument" }),
    );
  });
});
