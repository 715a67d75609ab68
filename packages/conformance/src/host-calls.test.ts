import {
  ExtensionError,
  type HostCallHandler,
  type HostCallPolicy,
  type HostCallRequest,
} from "@ameide-ext/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, MODES } from "./create-harness.js";
import { expectRefused, expectTechnicalError } from "./expect-outcome.js";

const h = createHarness();
afterAll(() => h.close());

/** host-call.wat's input: make `n` calls to `service.method`. */
const calls = (n: number, service: string, method: string) => JSON.stringify([n, service, method]);

/** A handler that records every call it is reached with and answers `{"order":<count>}`. */
function recordingHandler(): HostCallHandler & { seen: HostCallRequest[] } {
  const seen: HostCallRequest[] = [];
  const handler = (call: HostCallRequest) => {
    seen.push(call);
    return JSON.stringify({ order: seen.length });
  };
  return Object.assign(handler, { seen });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const MEDIUM: HostCallPolicy = {
  riskTier: "medium",
  allow: [
    { service: "orders", method: "get", readOnly: true },
    { service: "orders", method: "update", readOnly: false },
  ],
};
const HIGH: HostCallPolicy = {
  riskTier: "high",
  allow: [
    { service: "orders", method: "get", readOnly: true },
    { service: "orders", method: "update" },
  ],
  maxCalls: 3,
};

describe.each(MODES)("host calls (%s)", (mode) => {
  let ext: Awaited<ReturnType<typeof h.load>>;
  beforeAll(async () => {
    ext = await h.load("host-call");
  });

  describe("low tier", () => {
    it.each([
      ["no policy (low by default)", undefined],
      ["low with an allowlist and a count", { riskTier: "low", allow: MEDIUM.allow, maxCalls: 8 }],
    ] as const)("refuses every call with permission_denied/host_call_denied: %s", async (_, policy) => {
      const handler = recordingHandler();
      const r = await h.invoke(mode, ext, {
        input: calls(1, "orders", "get"),
        policy: policy as HostCallPolicy | undefined,
        hostHandler: handler,
      });
      expectTechnicalError(r, "permission_denied", "host_call_denied");
      expect(handler.seen).toHaveLength(0);
      expect(r.stats.hostCalls).toBe(0);
      await h.expectHealthy(mode);
    });
  });

  describe("medium tier", () => {
    it("answers one call to an allowlisted read-only method", async () => {
      const handler = recordingHandler();
      const r = await h.invoke(mode, ext, {
        input: calls(1, "orders", "get"),
        policy: MEDIUM,
        hostHandler: handler,
        ctx: { tenantId: "t1", correlationId: "c1" },
      });
      expect([r.outcome, r.output, r.stats.hostCalls]).toEqual(["ok", '{"order":1}', 1]);
      expect(handler.seen).toHaveLength(1);
      expect(handler.seen[0]).toMatchObject({
        service: "orders",
        method: "get",
        requestJson: "{}",
        ctx: { tenantId: "t1", correlationId: "c1" },
      });
      await h.expectHealthy(mode);
    });

    it("refuses an allowlisted method that is not read-only with permission_denied/host_call_denied", async () => {
      const handler = recordingHandler();
      const r = await h.invoke(mode, ext, {
        input: calls(1, "orders", "update"),
        policy: MEDIUM,
        hostHandler: handler,
      });
      expectTechnicalError(r, "permission_denied", "host_call_denied");
      expect(handler.seen).toHaveLength(0);
      await h.expectHealthy(mode);
    });

    it("refuses a method off the allowlist with permission_denied/host_call_denied", async () => {
      const handler = recordingHandler();
      const r = await h.invoke(mode, ext, {
        input: calls(1, "billing", "get"),
        policy: MEDIUM,
        hostHandler: handler,
      });
      expectTechnicalError(r, "permission_denied", "host_call_denied");
      expect(handler.seen).toHaveLength(0);
      await h.expectHealthy(mode);
    });

    it("refuses the 2nd call with resource_exhausted/host_call_limit, after answering the 1st", async () => {
      const handler = recordingHandler();
      const r = await h.invoke(mode, ext, {
        input: calls(2, "orders", "get"),
        policy: MEDIUM,
        hostHandler: handler,
      });
      expectTechnicalError(r, "resource_exhausted", "host_call_limit");
      expect(handler.seen).toHaveLength(1);
      expect(r.stats.hostCalls).toBe(1);
      await h.expectHealthy(mode);
    });
  });

  describe("high tier", () => {
    it("answers allowlisted calls, writes included, up to maxCalls", async () => {
      const handler = recordingHandler();
      const r = await h.invoke(mode, ext, {
        input: calls(3, "orders", "update"),
        policy: HIGH,
        hostHandler: handler,
      });
      expect([r.outcome, r.output, r.stats.hostCalls]).toEqual(["ok", '{"order":3}', 3]);
      expect(handler.seen).toHaveLength(3);
      await h.expectHealthy(mode);
    });

    it("refuses the call past maxCalls with resource_exhausted/host_call_limit", async () => {
      const handler = recordingHandler();
      const r = await h.invoke(mode, ext, {
        input: calls(4, "orders", "update"),
        policy: HIGH,
        hostHandler: handler,
      });
      expectTechnicalError(r, "resource_exhausted", "host_call_limit");
      expect(handler.seen).toHaveLength(3);
      await h.expectHealthy(mode);
    });

    it("counts per invocation: the next invocation gets its maxCalls afresh", async () => {
      const handler = recordingHandler();
      for (let i = 0; i < 2; i++) {
        const r = await h.invoke(mode, ext, {
          input: calls(3, "orders", "get"),
          policy: HIGH,
          hostHandler: handler,
        });
        expect(r.outcome).toBe("ok");
      }
      expect(handler.seen).toHaveLength(6);
    });

    it("uses the tier's default count (8) when the policy sets none", async () => {
      const handler = recordingHandler();
      const policy: HostCallPolicy = { riskTier: "high", allow: HIGH.allow };
      const ok = await h.invoke(mode, ext, {
        input: calls(8, "orders", "get"),
        policy,
        hostHandler: handler,
      });
      expect(ok.outcome).toBe("ok");
      const over = await h.invoke(mode, ext, {
        input: calls(9, "orders", "get"),
        policy,
        hostHandler: handler,
      });
      expectTechnicalError(over, "resource_exhausted", "host_call_limit");
      expect(handler.seen).toHaveLength(16);
      await h.expectHealthy(mode);
    });

    it("refuses a method off the allowlist with permission_denied/host_call_denied", async () => {
      const handler = recordingHandler();
      const r = await h.invoke(mode, ext, {
        input: calls(1, "billing", "charge"),
        policy: HIGH,
        hostHandler: handler,
      });
      expectTechnicalError(r, "permission_denied", "host_call_denied");
      expect(handler.seen).toHaveLength(0);
      await h.expectHealthy(mode);
    });

    it("refuses a maxCalls over 64 with invalid_argument/invalid_limits before running", async () => {
      const handler = recordingHandler();
      await expectRefused(
        () =>
          h.invoke(mode, ext, {
            input: calls(1, "orders", "get"),
            policy: { ...HIGH, maxCalls: 65 },
            hostHandler: handler,
          }),
        "invalid_argument",
        "invalid_limits",
      );
      expect(handler.seen).toHaveLength(0);
      await h.expectHealthy(mode);
    });
  });

  describe("handler failures reach the guest as err results", () => {
    it("passes an ExtensionError on with its code and message; host-call.wat returns it as its business error", async () => {
      const r = await h.invoke(mode, ext, {
        input: calls(1, "orders", "get"),
        policy: HIGH,
        hostHandler: () => {
          throw new ExtensionError("not_found", "order 7 does not exist");
        },
      });
      expect(r.outcome).toBe("business_error");
      expect(r.businessError).toEqual({ code: "not_found", message: "order 7 does not exist" });
      await h.expectHealthy(mode);
    });

    it("hides a plain Error's text from the guest (it may carry host internals): internal, generic message", async () => {
      const r = await h.invoke(mode, ext, {
        input: calls(1, "orders", "get"),
        policy: HIGH,
        hostHandler: () => {
          throw new Error("the orders database at 10.0.0.7 is down");
        },
      });
      expect(r.outcome).toBe("business_error");
      expect(r.businessError?.code).toBe("internal");
      expect(JSON.stringify(r.businessError)).not.toContain("10.0.0.7");
      await h.expectHealthy(mode);
    });

    it("answers with an unavailable err result when no handler is given", async () => {
      const r = await h.invoke(mode, ext, { input: calls(1, "orders", "get"), policy: HIGH });
      expect(r.outcome).toBe("business_error");
      expect(r.businessError?.code).toBe("unavailable");
      await h.expectHealthy(mode);
    });
  });
});

describe("asynchronous handlers", () => {
  let ext: Awaited<ReturnType<typeof h.load>>;
  beforeAll(async () => {
    ext = await h.load("host-call");
  });

  it("pool: waits for an async answer within the time limit", async () => {
    const r = await h.engine.invoke(ext, {
      input: calls(2, "orders", "get"),
      policy: HIGH,
      hostHandler: async ({ remainingMs }) => {
        await sleep(20);
        return JSON.stringify({ remainingMs: remainingMs > 0 });
      },
    });
    expect([r.outcome, r.output]).toEqual(["ok", '{"remainingMs":true}']);
  });

  it("pool: stops a host call still unanswered at timeoutMs with deadline_exceeded/timeout", async () => {
    await h.expectHealthy("pool");
    let reached = 0;
    const r = await h.engine.invoke(ext, {
      input: calls(1, "orders", "get"),
      policy: HIGH,
      limits: { timeoutMs: 200 },
      hostHandler: async () => {
        reached++;
        await sleep(1_000);
        return "{}";
      },
    });
    expectTechnicalError(r, "deadline_exceeded", "timeout");
    expect(reached).toBe(1);
    await h.expectHealthy("pool");
  });

  it("inline: refuses an async answer with failed_precondition/host_call_failed", async () => {
    const r = h.engine.invokeInline(ext, {
      input: calls(1, "orders", "get"),
      policy: HIGH,
      hostHandler: async () => "{}",
    });
    expectTechnicalError(r, "failed_precondition", "host_call_failed");
    await h.expectHealthy("inline");
  });
});
