import { createRuntimeClient } from "@ameide-ext/sdk";
import { describe, expect, it } from "vitest";
import { readL2oBpmn } from "./read-check-deal.js";
import { runDeals } from "./run-deals.js";

describe("runDeals()", () => {
  it("runDeals refuses two deals with one id before any call: they would be one instance", async () => {
    const client = createRuntimeClient({ baseUrl: "http://127.0.0.1:9" });
    const deals = [
      { id: "D-1", amount: 1, margin: 0.5 },
      { id: "D-1", amount: 90_000, margin: 0.01 },
    ];
    await expect(
      runDeals({ client, xml: await readL2oBpmn(), deals, process: { tenantId: "acme" } }),
    ).rejects.toMatchObject({ code: "invalid_argument", reason: "invalid_input", details: { value: "D-1" } });
    client.close();
  });
});
