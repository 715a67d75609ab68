// Differential: the same calls to a real runtime service (startRuntimeServer) through the SDK's lean
// Connect client and through connect-node's transport give equal SDK results and errors, over
// HTTP/1.1, HTTP/2 and the Unix socket.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { InvokeExtensionResponseSchema, Outcome } from "@ameide-ext/proto";
import { create, toBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userContext } from "../execution-context.js";
import { createRuntimeClient, type RuntimeClient, type RuntimeClientOptions } from "../runtime-client.js";
import { type EchoRuntime, startEchoRuntime } from "../testing/echo-runtime.js";

const ctx = userContext({ tenantId: "acme", userId: "u-1", correlationId: "order-9" });
/** 50 KiB of JSON, echoed under the runtime's 64 KiB output limit; 22 of them answer over 1 MiB. */
const big = { pad: "x".repeat(50 * 1024) };

/** `value` with each wall-clock figure (`durationUs`) zeroed: the one thing two runs may not share. */
function timeless(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(timeless);
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === "durationUs" ? 0 : timeless(v)]));
}

/** What a call settled with, comparable across clients: the result, or the error's name, code, reason, message and details. */
async function outcome(p: Promise<unknown>): Promise<unknown> {
  try {
    return { result: timeless(await p) };
  } catch (e) {
    const err = e as { name: string; code: string; reason?: string; message: string; details?: unknown };
    return {
      error: {
        name: err.name,
        code: err.code,
        reason: err.reason,
        message: err.message,
        details: timeless(err.details),
      },
    };
  }
}

describe("the lean Connect client against connect-node's transport, through a runtime service", () => {
  let rt: EchoRuntime;
  const open: RuntimeClient[] = [];

  beforeAll(async () => {
    rt = await startEchoRuntime({
      prefix: "ameide-sdk-lean-",
      kind: "agent_tool",
      extensions: { echo: { timeout_ms: 2_000 }, spin: { cpu_millis: 10_000, timeout_ms: 10_000 } },
      batchMaxInputs: 24,
    });
  }, 120_000);
  afterAll(async () => {
    for (const c of open) c.close();
    await rt?.close();
  });

  const token = () => rt.issuer.mint({ subject: "sdk-test-service", tenants: ["acme"] });
  const targets: Array<[string, () => RuntimeClientOptions]> = [
    ["HTTP/1.1", () => ({ baseUrl: rt.url, httpVersion: "1.1" })],
    ["HTTP/2", () => ({ baseUrl: rt.url, httpVersion: "2" })],
    ["Unix socket, HTTP/2", () => ({ socketPath: rt.socket })],
    ["Unix socket, HTTP/1.1", () => ({ socketPath: rt.socket, httpVersion: "1.1" })],
  ];
  /** The lean client and connect-node's, with the same options. */
  const pair = (o: RuntimeClientOptions): [RuntimeClient, RuntimeClient] => {
    const lean = createRuntimeClient({ ...o, retry: { initialDelayMs: 1, maxDelayMs: 2 } });
    const node = createRuntimeClient({
      ...o,
      retry: { initialDelayMs: 1, maxDelayMs: 2 },
      connectClient: "connect-node",
    });
    open.push(lean, node);
    return [lean, node];
  };

  it.each(targets)("gives equal results and errors over %s", async (_name, target) => {
    const [lean, node] = pair({ ...target(), token });
    const [anonLean, anonNode] = pair(target());
    const eve = await rt.issuer.mint({ subject: "u-2", tenant: "acme" });
    const calls: Array<[string, (c: RuntimeClient) => Promise<unknown>]> = [
      ["ok", (c) => c.invoke({ extensionId: "echo", ctx, input: { n: 7 } })],
      ["business error", (c) => c.invoke({ extensionId: "echo", ctx, input: { mode: "fail" } })],
      ["technical error (fuel)", (c) => c.invoke({ extensionId: "echo", ctx, input: { mode: "loop" } })],
      ["not_found", (c) => c.invoke({ extensionId: "nope", ctx, input: {} })],
      [
        "tenant refused",
        (c) => c.invoke({ extensionId: "echo", ctx: { ...ctx, tenantId: "globex" }, input: {} }),
      ],
      ["user token mismatch", (c) => c.invoke({ extensionId: "echo", ctx, input: {}, userToken: eve })],
      [
        "batch, partial failures",
        (c) => c.invokeMany("echo", [{ line: 1 }, { mode: "fail" }, { mode: "loop" }, { line: 4 }], ctx),
      ],
      [
        "batch over the cap",
        (c) =>
          c.invokeMany(
            "echo",
            Array.from({ length: 25 }, (_, i) => ({ i })),
            ctx,
          ),
      ],
      // Echoed back, past the 1 MiB over which the runtime compresses its answer.
      [
        "batch, a compressed answer",
        (c) =>
          c.invokeMany(
            "echo",
            Array.from({ length: 22 }, () => big),
            ctx,
          ),
      ],
    ];
    for (const [what, run] of calls) {
      // A guest's fuel depends on what its worker ran before (a trapped instance is replaced): run
      // the call once first, so that each client's call follows the same one.
      await outcome(run(node));
      const [a, b] = [await outcome(run(lean)), await outcome(run(node))];
      expect(a, what).toEqual(b);
    }
    const [a, b] = [
      await outcome(anonLean.invoke({ extensionId: "echo", ctx, input: {} })),
      await outcome(anonNode.invoke({ extensionId: "echo", ctx, input: {} })),
    ];
    expect(a, "no token").toEqual(b);
    const large = await lean.invokeMany(
      "echo",
      Array.from({ length: 22 }, () => big),
      ctx,
    );
    expect(large.results.map((r) => r.outcome)).toEqual(Array.from({ length: 22 }, () => "ok"));
  });

  it.each(targets)(
    "ends a slow call at the deadline, and an aborted one, alike over %s",
    async (_name, target) => {
      const [lean, node] = pair({ ...target(), token });
      for (const c of [lean, node]) {
        const started = performance.now();
        await expect(
          c.invoke({ extensionId: "spin", ctx, input: { mode: "loop" }, timeoutMs: 150 }),
        ).rejects.toMatchObject({ name: "ExtensionError", code: "deadline_exceeded" });
        expect(performance.now() - started).toBeLessThan(2_000);
      }
      const aborted = async (c: RuntimeClient) => {
        const ac = new AbortController();
        setTimeout(() => ac.abort(), 50);
        // The runtime's deadline (400 ms) stops the guest the caller gave up on, freeing its one worker.
        return outcome(
          c.invoke({ extensionId: "spin", ctx, input: { mode: "loop" }, timeoutMs: 400, signal: ac.signal }),
        );
      };
      const [a, b] = [await aborted(lean), await aborted(node)];
      expect(a).toEqual(b);
      expect(a).toMatchObject({ error: { code: "deadline_exceeded", details: { connectCode: "Canceled" } } });
      // Both still serve.
      for (const c of [lean, node])
        expect(await c.invoke({ extensionId: "echo", ctx, input: {} })).toMatchObject({ outcome: "ok" });
    },
  );

  it.each(["1.1", "2"] as const)(
    "reads a refused connection as unavailable over HTTP/%s, which the retry loop retries on the next replica",
    async (httpVersion) => {
      const spare = createServer();
      await new Promise<void>((r) => spare.listen(0, "127.0.0.1", r));
      const refused = `http://127.0.0.1:${(spare.address() as AddressInfo).port}`;
      await new Promise((r) => spare.close(r));
      const alone = createRuntimeClient({
        baseUrl: refused,
        httpVersion,
        token,
        retry: { initialDelayMs: 1, maxDelayMs: 2 },
      });
      const failover = createRuntimeClient({
        baseUrls: [refused, rt.url],
        httpVersion,
        token,
        retry: { initialDelayMs: 1, maxDelayMs: 2 },
      });
      open.push(alone, failover);
      await expect(alone.invoke({ extensionId: "echo", ctx, input: {} })).rejects.toMatchObject({
        code: "unavailable",
        details: { connectCode: "Unavailable" },
      });
      expect(await failover.invoke({ extensionId: "echo", ctx, input: { n: 1 } })).toMatchObject({
        outcome: "ok",
        output: { echo: { n: 1 } },
      });
    },
  );

  it("carries Connect calls with the lean client by default, with connect-node's transport on request", async () => {
    // The two differ on the wire only in how they frame the request body: the lean client sends its
    // length, connect-node's transport streams it in chunks.
    const framing: string[] = [];
    const answer = toBinary(
      InvokeExtensionResponseSchema,
      create(InvokeExtensionResponseSchema, {
        outcome: Outcome.OK,
        outputJson: new TextEncoder().encode("{}"),
      }),
    );
    const raw = createServer((req, res) => {
      framing.push(req.headers["content-length"] === undefined ? "chunked" : "length");
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/proto" });
        res.end(answer);
      });
    });
    await new Promise<void>((r) => raw.listen(0, "127.0.0.1", r));
    const baseUrl = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
    const [lean, node] = pair({ baseUrl, httpVersion: "1.1" });
    for (const c of [lean, node])
      expect(await c.invoke({ extensionId: "echo", ctx, input: {} })).toMatchObject({ outcome: "ok" });
    expect(framing).toEqual(["length", "chunked"]);
    raw.closeAllConnections();
    await new Promise((r) => raw.close(r));
  });

  it("refuses a connectClient it does not know", () => {
    expect(() =>
      createRuntimeClient({ baseUrl: "http://x", connectClient: "fetch" as unknown as "lean" }),
    ).toThrowError(expect.objectContaining({ code: "invalid_argument", reason: "invalid_input" }));
  });
});
