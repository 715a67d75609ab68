import { isExtensionError } from "@ameide-ext/contract";
import { describe, expect, it } from "vitest";
import { createMockHostCalls } from "./host-call-mocks.js";

const call = (
  mocks: ReturnType<typeof createMockHostCalls>,
  service: string,
  method: string,
  request: unknown,
) =>
  mocks.handler({ service, method, requestJson: JSON.stringify(request), ctx: undefined, remainingMs: 50 });

describe("createMockHostCalls()", () => {
  it("answers calls of the same method in order, each answer once", () => {
    const mocks = createMockHostCalls(
      [
        { service: "crm", method: "Get", response: { n: 1 } },
        { service: "crm", method: "Get", response: { n: 2 } },
      ],
      "fix it",
    );
    expect(call(mocks, "crm", "Get", {})).toBe('{"n":1}');
    expect(call(mocks, "crm", "Get", {})).toBe('{"n":2}');
    expect(mocks.unused()).toEqual([]);
    expect(mocks.unexpected()).toEqual([]);
  });

  it("matches the request when the answer names one", () => {
    const mocks = createMockHostCalls(
      [
        { service: "crm", method: "Get", request: { id: "B" }, response: "b" },
        { service: "crm", method: "Get", request: { id: "A" }, response: "a" },
      ],
      "fix it",
    );
    expect(call(mocks, "crm", "Get", { id: "A" })).toBe('"a"');
  });

  it("gives the guest the answer's error", () => {
    const mocks = createMockHostCalls(
      [{ service: "crm", method: "Get", error: { code: "not_found", message: "no such account" } }],
      "fix it",
    );
    expect(() => call(mocks, "crm", "Get", {})).toThrow(expect.objectContaining({ code: "not_found" }));
  });

  it("reports a call no answer matches, and the answers left unused", () => {
    const mocks = createMockHostCalls(
      [{ service: "crm", method: "Get", request: { id: "A" }, response: 1 }],
      "add one",
    );
    let thrown: unknown;
    try {
      call(mocks, "crm", "Get", { id: "Z" });
    } catch (e) {
      thrown = e;
    }
    expect(isExtensionError(thrown) && thrown.code).toBe("unavailable");
    expect(mocks.unexpected()).toHaveLength(1);
    expect(mocks.unexpected()[0]).toContain('{"id":"Z"}');
    expect(mocks.unused()).toEqual(["hostCalls[0] (crm.Get) was not called"]);
  });

  it("with reuse, answers every call from the first matching answer, in file order", () => {
    const mocks = createMockHostCalls(
      [
        { service: "crm", method: "Get", request: { id: "A" }, response: "a" },
        { service: "crm", method: "Get", response: "any" },
      ],
      "fix it",
      { reuse: true },
    );
    expect(call(mocks, "crm", "Get", { id: "A" })).toBe('"a"');
    expect(call(mocks, "crm", "Get", { id: "A" })).toBe('"a"');
    expect(call(mocks, "crm", "Get", { id: "B" })).toBe('"any"');
    expect(call(mocks, "crm", "Get", { id: "B" })).toBe('"any"');
    expect(mocks.unexpected()).toEqual([]);
  });
});
