import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvokeExtensionBatchRequestSchema, InvokeExtensionBatchResponseSchema } from "@ameide-ext/proto";
import { createCatalog, createRuntime, sha256Hex } from "@ameide-ext/runtime";
import { captureLogger } from "@ameide-ext/runtime/testing/service";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { buildHook, INVOICE_LINE_HOOK_ENTRY } from "./build-deal-hook.js";
import { invoiceLines } from "./invoice-line.js";

const dir = await mkdtemp(join(tmpdir(), "scratch-inproc-"));
const hook = await buildHook("assemblyscript", INVOICE_LINE_HOOK_ENTRY);
const p = join(dir, "extensions", "acme", "invoice-line.wasm");
await mkdir(join(dir, "extensions", "acme"), { recursive: true });
await writeFile(p, hook.component);
const cap = captureLogger(process.env.LL ?? "info");
const runtime = await createRuntime({
  catalog: createCatalog({
    extensions: [
      {
        tenant_id: "acme",
        extension_id: "invoice-line",
        version: "1",
        kind: "process_hook",
        risk_tier: "low",
        wasm_blob_ref: `file://${p}#sha256=${sha256Hex(hook.component)}`,
        limits: { cpu_millis: 5, memory_mb: 16, timeout_ms: 50 },
      },
    ],
    runtime: { preload: false, pool: { size: 1 }, log_level: process.env.LL ?? "info" } as never,
  }),
  logger: cap.logger,
  defaultMetrics: false,
});
const enc = new TextEncoder();
const req = create(InvokeExtensionBatchRequestSchema, {
  extensionId: "invoice-line",
  version: "latest",
  ctx: { tenantId: "acme", userId: "u-1" },
  inputsJson: invoiceLines(500).map((l) => enc.encode(JSON.stringify(l))),
});
const bin = toBinary(InvokeExtensionBatchRequestSchema, req);
const times: Record<string, number[]> = { decode: [], run: [], encode: [], total: [] };
for (let i = 0; i < 60; i++) {
  const t0 = performance.now();
  const r = fromBinary(InvokeExtensionBatchRequestSchema, bin);
  const t1 = performance.now();
  const res = await runtime.invokeExtensionBatch(r);
  const t2 = performance.now();
  toBinary(InvokeExtensionBatchResponseSchema, res);
  const t3 = performance.now();
  if (i < 12) console.log(i, (t2 - t1).toFixed(2));
  if (i >= 10) {
    times.decode.push(t1 - t0);
    times.run.push(t2 - t1);
    times.encode.push(t3 - t2);
    times.total.push(t3 - t0);
  }
  await new Promise((r) => setTimeout(r, 5));
}
const med = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1] as number;
console.log(Object.fromEntries(Object.entries(times).map(([k, v]) => [k, med(v).toFixed(3)])));
console.log(
  cap.lines
    .filter((l) => l.event === "inline_overrun")
    .map((l) => `${l.wall_ms}:${l.routed}`)
    .join(" "),
);
await runtime.close();
process.exit(0);
