// Red team (#12): a deadline past what a Node timer holds (2^31 - 1 ms) fired after 1 ms, every call failing
// deadline_exceeded at once; such a timeoutMs, or one not a number, is refused as the caller's mistake.
import { describe, expect, it } from "vitest";
import { userContext } from "./execution-context.js";
import { createRuntimeClient } from "./runtime-client.js";

const ctx = userContext({ tenantId: "acme", userId: "u-1" });
const baseUrl = "http://127.0.0.1:9";

describe("a call's timeoutMs", () => {
  it.each([2 ** 31, 0, -5, Number.NaN, Number.POSITIVE_INFINITY])(
    "refuses a client timeoutMs of %s with invalid_argument (positive, at most 2^31 - 1 ms)",
    (timeoutMs) => {
      expect(() => createRuntimeClient({ baseUrl, timeoutMs })).toThrowError(
        expect.objectContaining({ code: "invalid_argument", reason: "invalid_input" }),
      );
    },
  );

  it.each([2 ** 31, 30 * 24 * 3600 * 1000, Number.NaN, Number.POSITIVE_INFINITY])(
    "refuses a call's timeoutMs of %s with invalid_argument, not an instant deadline_exceeded",
    async (timeoutMs) => {
      const client = createRuntimeClient({ baseUrl });
      try {
        await expect(client.invoke({ extensionId: "x", ctx, input: {}, timeoutMs })).rejects.toMatchObject({
          code: "invalid_argument",
          reason: "invalid_input",
        });
      } finally {
        client.close();
      }
    },
  );
});
