import { PassThrough } from "node:stream";
import { InvokeExtensionRequestSchema, InvokeExtensionResponseSchema } from "@ameide-ext/proto";
import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { createBinaryLane } from "./binary-lane.js";
import type { Runtime } from "./create-runtime.js";
import type { AnyRequest, AnyResponse } from "./probe-routes.js";

/** A request of the lane's kind, its body written and ended. */
function laneRequest(body: Uint8Array): AnyRequest {
  const req = Object.assign(new PassThrough(), {
    method: "POST",
    url: "/ameide.extensions.v1.WasmExtensionRuntime/InvokeExtension",
    headers: { "content-type": "application/proto", "content-length": String(body.length) },
    complete: false,
  });
  req.end(body);
  req.on("end", () => {
    req.complete = true;
  });
  return req as unknown as AnyRequest;
}

/** The lane over a runtime double (unit test) whose InvokeExtension is `invoke`; 1 MiB caps, no auth. */
function laneOver(invoke: (req: { inputJson: Uint8Array }) => Promise<unknown>) {
  const runtime = { tracing: undefined, invokeExtension: invoke } as unknown as Runtime;
  return createBinaryLane({
    runtime,
    auth: undefined,
    readMaxBytes: { single: 1 << 20, batch: 1 << 20 },
    compressMinBytes: 1 << 20,
    viaSocket: () => false,
  });
}

describe("createBinaryLane()", () => {
  it("cuts the exchange when writing the answer throws, never leaving a rejection unhandled", async () => {
    // A runtime double (unit test): one answer, whatever the call.
    const lane = laneOver(async () => create(InvokeExtensionResponseSchema, { outcome: 1 }));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    let destroyed = false;
    const res = {
      headersSent: false,
      destroyed: false,
      writeHead() {
        throw new Error("the socket's gone sideways");
      },
      end() {},
      destroy() {
        destroyed = true;
      },
    } as unknown as AnyResponse;
    try {
      const body = toBinary(
        InvokeExtensionRequestSchema,
        create(InvokeExtensionRequestSchema, { extensionId: "x" }),
      );
      expect(lane(laneRequest(body), res)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(destroyed).toBe(true);
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  it("hands the runtime inputs as plain Uint8Array views of the body, never Buffers (one element kind for the engine's JSON check)", async () => {
    let seen: unknown;
    // A runtime double (unit test): keeps the request it was given.
    const lane = laneOver(async (req) => {
      seen = req.inputJson;
      return create(InvokeExtensionResponseSchema, { outcome: 1 });
    });
    const ended = new Promise<void>((resolve) => {
      const res = {
        headersSent: false,
        destroyed: false,
        writeHead() {},
        end: () => resolve(),
        destroy: () => resolve(),
      } as unknown as AnyResponse;
      const body = toBinary(
        InvokeExtensionRequestSchema,
        create(InvokeExtensionRequestSchema, {
          extensionId: "x",
          inputJson: new TextEncoder().encode('{"a":1}'),
        }),
      );
      // The body arrives as a Buffer, as node:http gives it.
      expect(lane(laneRequest(Buffer.from(body)), res)).toBe(true);
    });
    await ended;
    expect(seen).toBeInstanceOf(Uint8Array);
    expect(Buffer.isBuffer(seen)).toBe(false);
    expect(new TextDecoder().decode(seen as Uint8Array)).toBe('{"a":1}');
  });
});
