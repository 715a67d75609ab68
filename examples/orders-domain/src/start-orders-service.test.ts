import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { startOrdersService } from "./start-orders-service.js";

describe("startOrdersService()", () => {
  it("refuses a port in use with unavailable, naming the port and the fix", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const { port } = taken.address() as { port: number };
    try {
      const start = startOrdersService({
        port,
        runtimeUrl: "http://127.0.0.1:9",
        runtimeToken: undefined,
        database: { sqlite: ":memory:" },
        bindings: { from: "sql" },
      });
      await expect(start).rejects.toMatchObject({ code: "unavailable" });
      await expect(start).rejects.toThrow(`127.0.0.1:${port}`);
    } finally {
      taken.close();
    }
  });
});
