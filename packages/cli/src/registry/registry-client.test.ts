// Red team: the registry client against a hostile registry. connect-node's own defaults are a 4 GiB read cap
// and no deadline, so a gzip bomb inflated in full and a registry that never answered hung the CLI.
import { ExtensionError } from "@ameide-ext/contract";
import { afterEach, describe, expect, it } from "vitest";
import { gzipBomb, type HostileServer, startHostileServer } from "../testing/hostile-server.js";
import { createRegistryClient } from "./registry-client.js";

const servers: HostileServer[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (e) {
    return e instanceof ExtensionError ? e.code : `raw ${(e as Error).name}: ${(e as Error).message}`;
  }
}

const key = { tenantId: "acme", extensionId: "deal-guard", version: "1" };

describe("the registry client against a hostile registry", () => {
  it("refuses an answer inflating past 128 MiB (a gzip bomb) with resource_exhausted", async () => {
    const bomb = gzipBomb(160);
    const server = await startHostileServer((_req, res) =>
      res.writeHead(200, { "content-type": "application/proto", "content-encoding": "gzip" }).end(bomb),
    );
    servers.push(server);
    const client = createRegistryClient({ url: server.url, token: "t" });
    expect(await codeOf(client.getExtension(key))).toBe("resource_exhausted");
  });

  it("gives every call a deadline (connect-timeout-ms), so a registry that never answers cannot hang the CLI", async () => {
    const server = await startHostileServer((_req, res) =>
      res.writeHead(200, { "content-type": "application/proto" }).end(),
    );
    servers.push(server);
    await createRegistryClient({ url: server.url, token: "t" }).getExtension(key);
    const timeout = Number(server.requests[0]?.["connect-timeout-ms"]);
    expect(timeout).toBeGreaterThan(0);
    expect(timeout).toBeLessThanOrEqual(300_000);
  });

  it("ends a call to a registry that stalls at its deadline with deadline_exceeded", async () => {
    const server = await startHostileServer((_req, res) =>
      res.writeHead(200, { "content-type": "application/proto" }),
    );
    servers.push(server);
    const client = createRegistryClient({ url: server.url, token: "t" }, { timeoutMs: 200 });
    expect(await codeOf(client.getExtension(key))).toBe("deadline_exceeded");
  }, 10_000);
});
