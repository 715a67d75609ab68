// Red team: `replay --from runtime` against a hostile runtime. Its answers were read whole (`arrayBuffer()`,
// `.json()`), with no cap and no deadline: a gzip bomb inflated in full, a stalled body hung the CLI.
import { tmpdir } from "node:os";
import { ExtensionError } from "@ameide-ext/contract";
import { afterEach, describe, expect, it } from "vitest";
import { createCapturedDeps } from "../testing/cli-process.js";
import { gzipBomb, type HostileServer, startHostileServer } from "../testing/hostile-server.js";
import { replayInvocations } from "./replay-invocations.js";

const servers: HostileServer[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** `replay --from runtime --extension x` against `url`: the error thrown (the runtime never gives a recording). */
async function replayError(url: string, timeoutMs?: number): Promise<ExtensionError | string> {
  const { deps } = createCapturedDeps({ cwd: tmpdir(), env: { HOME: "/nonexistent", AMEIDE_CONFIG: "" } });
  try {
    await replayInvocations(
      { from: "runtime", extension: "x", runtime: url, runtimeToken: "t", tenant: "acme", timeoutMs },
      deps,
    );
    return "ok";
  } catch (e) {
    return e instanceof ExtensionError ? e : `raw ${(e as Error).name}: ${(e as Error).message}`;
  }
}

const json = { "content-type": "application/json" };
const gzipped = { ...json, "content-encoding": "gzip" };

describe("replay against a hostile runtime", () => {
  it("refuses a recordings list inflating past 128 MiB (a gzip bomb) with resource_exhausted", async () => {
    const bomb = gzipBomb(160);
    const server = await startHostileServer((_req, res) => res.writeHead(200, gzipped).end(bomb));
    servers.push(server);
    const error = await replayError(server.url);
    expect(error).toMatchObject({
      code: "resource_exhausted",
      message: expect.stringContaining("/v1/recordings"),
    });
  });

  it("refuses a recording inflating past 128 MiB with resource_exhausted", async () => {
    const bomb = gzipBomb(160);
    const server = await startHostileServer((req, res) => {
      if (req.url?.startsWith("/v1/recordings")) res.writeHead(200, json).end('{"recordings":["k"]}');
      else res.writeHead(200, gzipped).end(bomb);
    });
    servers.push(server);
    expect(await replayError(server.url)).toMatchObject({ code: "resource_exhausted" });
  });

  it("ends a read whose body stalls at its deadline with deadline_exceeded", async () => {
    const server = await startHostileServer((_req, res) => {
      res.writeHead(200, json);
      res.write('{"recordings":');
    });
    servers.push(server);
    expect(await replayError(server.url, 200)).toMatchObject({ code: "deadline_exceeded" });
  }, 10_000);

  it("refuses an answer that is not JSON with a coded error, not a raw SyntaxError", async () => {
    const server = await startHostileServer((_req, res) =>
      res.writeHead(200, json).end("<html>proxy</html>"),
    );
    servers.push(server);
    expect(await replayError(server.url)).toMatchObject({ code: "internal", reason: "invalid_output" });
  });
});
