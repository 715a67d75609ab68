import { mkdtemp, rm } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { ERROR_REASON_HEADER } from "@ameide-ext/contract";
import {
  InvokeExtensionBatchRequestSchema,
  InvokeExtensionBatchResponseSchema,
  InvokeExtensionRequestSchema,
  InvokeExtensionResponseSchema,
} from "@ameide-ext/proto";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCatalog } from "../catalog/parse-catalog.js";
import { buildTestHook, captureLogger, writeModule } from "../testing/service-fixtures.js";
import { createRuntime, type Runtime } from "./create-runtime.js";
import { createLocalTokenIssuer, type LocalTokenIssuer } from "./local-token-issuer.js";
import { type RuntimeServer, startRuntimeServer } from "./start-runtime-server.js";

const encoder = new TextEncoder();
const PATH = "/ameide.extensions.v1.WasmExtensionRuntime/";

interface Answer {
  status: number;
  contentType: string | undefined;
  contentEncoding: string | undefined;
  reason: string | undefined;
  body: Buffer;
}

/** One raw HTTP/1.1 POST: the body sent chunked, or with its Content-Length when `length` is set. */
function post(
  url: string,
  rpc: string,
  body: Uint8Array,
  headers: Record<string, string>,
  length?: number,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${PATH}${rpc}`, {
      method: "POST",
      headers: {
        "content-type": "application/proto",
        ...headers,
        // Node would send a body given whole to end() with its length: chunked is asked for.
        ...(length === undefined ? { "transfer-encoding": "chunked" } : { "content-length": String(length) }),
      },
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers["content-type"],
          contentEncoding: res.headers["content-encoding"],
          reason: res.headers[ERROR_REASON_HEADER] as string | undefined,
          body: Buffer.concat(chunks),
        }),
      );
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** What two answers must share: status, content type, reason, and the body (an error's JSON, or the message read without its timings). */
function comparable(answer: Answer, rpc: string): unknown {
  const a = answer.contentEncoding === "gzip" ? { ...answer, body: gunzipSync(answer.body) } : answer;
  const base = {
    status: a.status,
    contentType: a.contentType,
    encoding: a.contentEncoding,
    reason: a.reason,
  };
  if (a.contentType !== "application/proto") return { ...base, body: a.body.toString("utf8") };
  if (rpc === "InvokeExtension") {
    const r = fromBinary(InvokeExtensionResponseSchema, a.body);
    return { ...base, body: { ...r, stats: r.stats && { ...r.stats, durationUs: 0n, fuelUsed: 0n } } };
  }
  const r = fromBinary(InvokeExtensionBatchResponseSchema, a.body);
  const stats = r.stats && { ...r.stats, durationUs: [], fuelUsed: r.stats.fuelUsed.map((f) => f > 0) };
  return { ...base, body: { ...r, stats } };
}

describe("the binary lane answers Connect's binary unary calls as Connect does", () => {
  let dir: string;
  let issuer: LocalTokenIssuer;
  let runtime: Runtime;
  let lane: RuntimeServer;
  let connect: RuntimeServer;
  const log = captureLogger("warn");

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-lane-"));
    issuer = await createLocalTokenIssuer({ dir });
    const echo = await buildTestHook("echo", "1");
    const catalog = createCatalog({
      runtime: { pool: { size: 1 }, auth: issuer.auth },
      extensions: [
        {
          tenant_id: "acme",
          extension_id: "echo",
          version: "1",
          kind: "process_hook",
          risk_tier: "low",
          limits: { timeout_ms: 2000 },
          wasm_blob_ref: await writeModule(dir, "echo", echo, "acme"),
        },
      ],
    });
    runtime = await createRuntime({ catalog, logger: log.logger, defaultMetrics: false });
    lane = await startRuntimeServer(runtime, { port: 0, readMaxBytes: 64 * 1024 });
    connect = await startRuntimeServer(runtime, { port: 0, readMaxBytes: 64 * 1024, binaryLane: false });
  }, 120_000);

  afterAll(async () => {
    await lane?.shutdown(1_000);
    await connect?.shutdown(1_000);
    await rm(dir, { recursive: true, force: true });
  });

  const ctx = { tenantId: "acme", userId: "u-1", actorType: "USER" };
  const single = (input: unknown, extensionId = "echo") =>
    toBinary(
      InvokeExtensionRequestSchema,
      create(InvokeExtensionRequestSchema, {
        extensionId,
        version: "latest",
        ctx,
        inputJson: encoder.encode(JSON.stringify(input)),
      }),
    );
  const batch = (inputs: unknown[]) =>
    toBinary(
      InvokeExtensionBatchRequestSchema,
      create(InvokeExtensionBatchRequestSchema, {
        extensionId: "echo",
        version: "latest",
        ctx,
        inputsJson: inputs.map((i) => encoder.encode(JSON.stringify(i))),
      }),
    );

  it("gives the same answers, errors included, with its body chunked or not", async () => {
    const token = `Bearer ${await issuer.mint({ subject: "crm", tenants: ["acme"] })}`;
    const globex = `Bearer ${await issuer.mint({ subject: "crm", tenants: ["globex"] })}`;
    const auth = { authorization: token };
    const cases: Array<[string, string, Uint8Array, Record<string, string>]> = [
      ["a call", "InvokeExtension", single({ line: 1 }), auth],
      ["a business error", "InvokeExtension", single({ mode: "fail" }), auth],
      ["an unknown extension", "InvokeExtension", single({}, "nope"), auth],
      ["a batch", "InvokeExtensionBatch", batch([{ line: 1 }, { mode: "fail" }, { line: "€" }]), auth],
      ["an empty batch", "InvokeExtensionBatch", batch([]), auth],
      // An answer over 1 MiB is gzipped for a caller that accepts it (COMPRESS_MIN_BYTES).
      [
        "a batch answered in more than 1 MiB",
        "InvokeExtensionBatch",
        batch(Array.from({ length: 24 }, (_, i) => ({ line: i, pad: "p".repeat(50_000) }))),
        { ...auth, "accept-encoding": "gzip, br" },
      ],
      ["no token", "InvokeExtension", single({ line: 1 }), {}],
      ["a forged token", "InvokeExtensionBatch", batch([{}]), { authorization: "Bearer x.y.z" }],
      ["another tenant's caller", "InvokeExtension", single({ line: 1 }), { authorization: globex }],
      ["a body that is no message", "InvokeExtension", new Uint8Array([0x0a, 0xff, 0xff, 0xff]), auth],
      ["a batch body that is no message", "InvokeExtensionBatch", new Uint8Array([0x22, 0x05, 1]), auth],
      ["a body over the read limit", "InvokeExtension", new Uint8Array(80 * 1024).fill(0x20), auth],
      ["a deadline", "InvokeExtension", single({ line: 2 }), { ...auth, "connect-timeout-ms": "1500" }],
      [
        "a malformed deadline",
        "InvokeExtension",
        single({ line: 2 }),
        { ...auth, "connect-timeout-ms": "soon" },
      ],
    ];
    for (const [name, rpc, body, headers] of cases) {
      for (const length of [undefined, body.length]) {
        const viaLane = await post(lane.url as string, rpc, body, headers, length);
        const viaConnect = await post(connect.url as string, rpc, body, headers, length);
        expect(
          comparable(viaLane, rpc),
          `${name}, ${length === undefined ? "chunked" : "with its length"}`,
        ).toEqual(comparable(viaConnect, rpc));
      }
    }
  });

  it("refuses a body that is no message as the caller's invalid input, and serves on", async () => {
    const token = `Bearer ${await issuer.mint({ subject: "crm", tenants: ["acme"] })}`;
    const bad = await post(lane.url as string, "InvokeExtension", new Uint8Array([0x0a, 0xff]), {
      authorization: token,
    });
    expect([bad.status, bad.reason, JSON.parse(bad.body.toString()).code]).toEqual([
      400,
      "invalid_input",
      "invalid_argument",
    ]);
    expect(JSON.parse(bad.body.toString()).message).toMatch(
      /^the request body is not a valid ameide\.extensions\.v1\.InvokeExtensionRequest message: /,
    );
    const ok = await post(lane.url as string, "InvokeExtension", single({ line: 9 }), {
      authorization: token,
    });
    expect(ok.status).toBe(200);
  });
});
