import { describe, expect, it } from "vitest";
import { type ChattyEvent, createChattinessCounter } from "./chattiness.js";

describe("createChattinessCounter()", () => {
  it("warns once when one operation calls one extension past the threshold, naming the hook point", () => {
    const heard: ChattyEvent[] = [];
    const c = createChattinessCounter({ threshold: 3, onChatty: (e) => heard.push(e) });
    for (let i = 0; i < 6; i++) c.count("order-7", "price-line", "orders/BeforeCreateOrder");
    c.count("order-7", "other", undefined);
    c.count("order-8", "price-line", undefined);
    expect(heard).toEqual([
      {
        correlationId: "order-7",
        extensionId: "price-line",
        hookPoint: "orders/BeforeCreateOrder",
        calls: 4,
        threshold: 3,
      },
    ]);
    expect(c.warnings).toBe(1);
  });

  it("does not count calls without a correlation id", () => {
    const c = createChattinessCounter({ threshold: 1, onChatty: () => {} });
    for (let i = 0; i < 5; i++) c.count(undefined, "x", undefined);
    for (let i = 0; i < 5; i++) c.count("", "x", undefined);
    expect(c.warnings).toBe(0);
  });
});
