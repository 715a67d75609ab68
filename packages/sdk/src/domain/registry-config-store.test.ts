import { describe, expect, it } from "vitest";
import { BINDINGS_REFRESH_BOUNDS, createRegistryConfigStore } from "./registry-config-store.js";

describe("createRegistryConfigStore()", () => {
  const base = { baseUrl: "http://127.0.0.1:1", env: "dev" as const };

  it("refuses bad options when it is built (invalid_argument), before any read", () => {
    const bad: Array<Record<string, unknown>> = [
      { env: "qa" },
      { env: undefined },
      { baseUrl: undefined },
      { refreshMs: BINDINGS_REFRESH_BOUNDS.min - 1 },
      { refreshMs: BINDINGS_REFRESH_BOUNDS.max + 1 },
      { refreshMs: 1.5 },
      { timeoutMs: 0 },
      { domain: "Orders" },
      { domain: "orders/BeforeCreateOrder" },
    ];
    for (const b of bad)
      expect(() => createRegistryConfigStore({ ...base, ...b } as never), JSON.stringify(b)).toThrow(
        expect.objectContaining({ code: "invalid_argument" }),
      );
  });

  it("builds with the defaults, and close() stops its timer", () => {
    const store = createRegistryConfigStore(base);
    store.close();
  });
});
