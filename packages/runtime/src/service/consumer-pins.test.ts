import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Outcome } from "@ameide-ext/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCatalog } from "../catalog/parse-catalog.js";
import { buildTestHook, captureLogger, invokeRequest, writeModule } from "../testing/service-fixtures.js";
import { createRuntime, type Runtime } from "./create-runtime.js";

const decoder = new TextDecoder();

describe("createRuntime() and consumer pins (InvokeExtensionRequest.consumer_ref)", () => {
  let dir: string;
  let runtime: Runtime;
  let lines: Array<Record<string, unknown>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-pins-"));
    const base = { tenant_id: "acme", extension_id: "echo", kind: "process_hook", risk_tier: "low" } as const;
    const extensions = [];
    for (const v of ["1", "2"])
      extensions.push({
        ...base,
        version: v,
        wasm_blob_ref: await writeModule(dir, `echo-${v}`, await buildTestHook("echo", v)),
      });
    runtime = await createRuntime({
      catalog: createCatalog({
        extensions,
        pins: { "acme/echo": { "process:p-1": "1" } },
        runtime: { preload: false, pool: { size: 1 } },
      }),
      logger: (() => {
        const captured = captureLogger();
        lines = captured.lines;
        return captured.logger;
      })(),
      defaultMetrics: false,
    });
  });
  afterAll(async () => {
    await runtime?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const invoke = (consumerRef: string, version = "latest") =>
    runtime.invokeExtension({ ...invokeRequest({ extensionId: "echo", version }), consumerRef });
  const versionOf = (r: { outputJson: Uint8Array }) =>
    (JSON.parse(decoder.decode(r.outputJson)) as { version: string }).version;

  it("runs the pinned version for the pinned consumer's latest, the newest for anyone else", async () => {
    const pinned = await invoke("process:p-1");
    expect(pinned).toMatchObject({ outcome: Outcome.OK, resolvedVersion: "1" });
    expect(versionOf(pinned)).toBe("1");
    expect(await invoke("process:p-2")).toMatchObject({ resolvedVersion: "2" });
    expect(await invoke("")).toMatchObject({ resolvedVersion: "2" });
    expect(await invoke("process:p-1", "2")).toMatchObject({ resolvedVersion: "2" });
    // The lines are written after the responses, up to 1 ms of them per turn of the event loop: a render
    // of the metrics records all that is queued (on a slow machine one turn wrote two of the four).
    await runtime.metrics.render();
    const logged = lines.filter((l) => l.event === "invocation").map((l) => `${l.consumer_ref}@${l.version}`);
    expect(logged).toEqual(["process:p-1@1", "process:p-2@2", "@2", "process:p-1@2"]);
  });

  it("refuses a malformed consumer_ref with invalid_argument/invalid_input, and still serves", async () => {
    for (const bad of ["robot:x", "process:", `agent:${"x".repeat(300)}`, "process:a b"])
      expect(await invoke(bad), bad).toMatchObject({
        outcome: Outcome.TECHNICAL_ERROR,
        errorCode: "invalid_argument",
        errorReason: "invalid_input",
      });
    expect(await invoke("process:p-1")).toMatchObject({ outcome: Outcome.OK, resolvedVersion: "1" });
  });

  it("applies the pin to a batch too", async () => {
    const r = await runtime.invokeExtensionBatch({
      extensionId: "echo",
      version: "latest",
      ctx: invokeRequest({ extensionId: "echo" }).ctx,
      inputsJson: [new TextEncoder().encode("{}")],
      consumerRef: "process:p-1",
    } as Parameters<Runtime["invokeExtensionBatch"]>[0]);
    expect(r.resolvedVersion).toBe("1");
  });
});
