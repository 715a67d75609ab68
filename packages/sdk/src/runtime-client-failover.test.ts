import { createServer, type Http2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import { InvokeExtensionResponseSchema, Outcome, WasmExtensionRuntime } from "@ameide-ext/proto";
import { ExtensionError, toConnectError } from "@ameide-ext/runtime";
import { create } from "@bufbuild/protobuf";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { userContext } from "./execution-context.js";
import { createRuntimeClient } from "./runtime-client.js";

const ctx = userContext({ tenantId: "acme", userId: "u-1" });
const fast = { retry: { initialDelayMs: 1, maxDelayMs: 2 } };

/** A replica double on h2c: answers ok, or what `fail` says, and counts its calls. */
async function replica(fail?: () => ExtensionError | undefined) {
  let calls = 0;
  const server: Http2Server = createServer(
    connectNodeAdapter({
      routes: (router) =>
        router.service(WasmExtensionRuntime, {
          invokeExtension() {
            calls++;
            const err = fail?.();
            if (err) throw toConnectError(err);
            return create(InvokeExtensionResponseSchema, {
              outcome: Outcome.OK,
              resolvedVersion: "1",
              outputJson: new TextEncoder().encode("{}"),
              stats: {},
            });
          },
        }),
    }),
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get calls() {
      return calls;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A URL nothing listens on: a port taken then freed. */
async function deadUrl(): Promise<string> {
  const r = await replica();
  await r.close();
  return r.url;
}

describe("createRuntimeClient({ baseUrls }): several replicas", () => {
  let a: Awaited<ReturnType<typeof replica>>;
  let b: Awaited<ReturnType<typeof replica>>;
  beforeAll(async () => {
    a = await replica();
    b = await replica();
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it("sends each call to the next replica in turn", async () => {
    const [a0, b0] = [a.calls, b.calls];
    const client = createRuntimeClient({ baseUrls: [a.url, b.url], ...fast });
    for (let i = 0; i < 6; i++) await client.invoke({ extensionId: "x", ctx, input: {} });
    expect([a.calls - a0, b.calls - b0]).toEqual([3, 3]);
    client.close();
  });

  it("fails over from a replica that refuses connections, and sets it aside", async () => {
    const [a0, b0] = [a.calls, b.calls];
    const client = createRuntimeClient({
      baseUrls: [await deadUrl(), a.url, b.url],
      failover: { setAsideMs: 60_000 },
      ...fast,
    });
    const results = [];
    for (let i = 0; i < 20; i++) results.push(await client.invoke({ extensionId: "x", ctx, input: {} }));
    expect(results.every((r) => r.outcome === "ok")).toBe(true);
    expect(a.calls - a0 + (b.calls - b0)).toBe(20); // every call answered, none lost, by the live two
    client.close();
  });

  it("fails over from a draining replica (unavailable/shutting_down), which then gets no call while aside", async () => {
    const draining = await replica(
      () => new ExtensionError("unavailable", "the runtime is shutting down", "shutting_down"),
    );
    const client = createRuntimeClient({
      baseUrls: [draining.url, a.url],
      failover: { setAsideMs: 60_000 },
      ...fast,
    });
    for (let i = 0; i < 10; i++)
      expect((await client.invoke({ extensionId: "x", ctx, input: {} })).outcome).toBe("ok");
    expect(draining.calls).toBe(1);
    client.close();
    await draining.close();
  });

  it("never fails over an answer that is not unavailable: a refusal is the answer", async () => {
    const refusing = await replica(() => new ExtensionError("permission_denied", "no", "tenant_not_allowed"));
    const client = createRuntimeClient({ baseUrls: [refusing.url, a.url], ...fast });
    await expect(client.invoke({ extensionId: "x", ctx, input: {} })).rejects.toMatchObject({
      code: "permission_denied",
      reason: "tenant_not_allowed",
    });
    expect(refusing.calls).toBe(1);
    client.close();
    await refusing.close();
  });

  it("throws unavailable when every replica is down, within the deadline", async () => {
    const client = createRuntimeClient({ baseUrls: [await deadUrl(), await deadUrl()], ...fast });
    await expect(client.invoke({ extensionId: "x", ctx, input: {}, timeoutMs: 2_000 })).rejects.toMatchObject(
      {
        code: "unavailable",
      },
    );
    client.close();
  });

  it("refuses baseUrls with another target, none, too many or a non-URL, with invalid_argument/invalid_input", () => {
    for (const options of [
      { baseUrls: [a.url], baseUrl: a.url },
      { baseUrls: [] },
      { baseUrls: new Array(33).fill(a.url) },
      { baseUrls: ["127.0.0.1:8080"] },
      { baseUrls: [a.url], failover: { setAsideMs: -5 } },
    ])
      expect(() => createRuntimeClient(options)).toThrow(
        expect.objectContaining({ code: "invalid_argument", reason: "invalid_input" }),
      );
  });
});
