// Red team: `invoke` against a hostile runtime. connect-node's own defaults are a 4 GiB read cap and no
// deadline, so a gzip bomb inflated in full and a runtime that never answered hung the CLI.
import { tmpdir } from "node:os";
import { ExtensionError } from "@ameide-ext/contract";
import { afterEach, describe, expect, it } from "vitest";
import { createCapturedDeps } from "../testing/cli-process.js";
import { gzipBomb, type HostileServer, startHostileServer } from "../testing/hostile-server.js";
import { invokeExtension } from "./invoke-extension.js";

const servers: HostileServer[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** `invoke x --input -` against `url`; the error's code, or "ok". */
async function invokeCode(url: string, timeoutMs?: number): Promise<string> {
  const { deps } = createCapturedDeps({
    cwd: tmpdir(),
    stdin: "{}",
    env: { HOME: "/nonexistent", AMEIDE_CONFIG: "" },
  });
  try {
    await invokeExtension({ extension: "x", input: "-", runtime: url, tenant: "acme", timeoutMs }, deps);
    return "ok";
  } catch (e) {
    return e instanceof ExtensionError ? e.code : `raw ${(e as Error).name}: ${(e as Error).message}`;
  }
}

describe("invoke against a hostile runtime", () => {
  it("refuses an answer inflating past 128 MiB (a gzip bomb) with resource_exhausted", async () => {
    const bomb = gzipBomb(160);
    const server = await startHostileServer((_req, res) =>
      res.writeHead(200, { "content-type": "application/proto", "content-encoding": "gzip" }).end(bomb),
    );
    servers.push(server);
    expect(await invokeCode(server.url)).toBe("resource_exhausted");
  });

  it("gives the call a deadline (connect-timeout-ms), so a runtime that never answers cannot hang the CLI", async () => {
    const server = await startHostileServer((_req, res) =>
      res.writeHead(200, { "content-type": "application/proto" }).end(),
    );
    servers.push(server);
    await invokeCode(server.url);
    const timeout = Number(server.requests[0]?.["connect-timeout-ms"]);
    expect(timeout).toBeGreaterThan(0);
    expect(timeout).toBeLessThanOrEqual(300_000);
  });

  it("ends a call to a runtime that stalls at its deadline with deadline_exceeded", async () => {
    const server = await startHostileServer((_req, res) =>
      res.writeHead(200, { "content-type": "application/proto" }),
    );
    servers.push(server);
    expect(await invokeCode(server.url, 200)).toBe("deadline_exceeded");
  }, 10_000);
});
