/**
 * Test support: invocation recordings into a given store, with the helpers
 * the recordings' tests share: offer failed invocations (every failure is
 * kept) and read the counters back (written, dropped by reason, their total).
 */
import { InvokeExtensionResponseSchema } from "@ameide-ext/proto";
import { create } from "@bufbuild/protobuf";
import { Registry } from "prom-client";
import { createCatalog } from "../catalog/parse-catalog.js";
import { type HostCallTapes, tapeHostCalls } from "../recording/host-call-tape.js";
import { createInvocationRecordings } from "../recording/invocation-recordings.js";
import type { RecordingStore } from "../store/recording-store.js";
import { captureLogger } from "./service-fixtures.js";

/** Recordings into `store` (room for `queue` queued, default 100), tenant acme's extension x, and its counters. */
export function recordingsInto(
  store: RecordingStore,
  o: { queue?: number; tapes?: HostCallTapes; tenantDailyBytes?: number } = {},
) {
  const registry = new Registry();
  const recordings = createInvocationRecordings({
    store,
    settings: {
      location: "nowhere",
      maxBytes: 1 << 20,
      tenantDailyBytes: o.tenantDailyBytes ?? 1 << 30,
      queue: o.queue ?? 100,
    },
    tapes: o.tapes ?? tapeHostCalls({ handlerFor: () => () => "{}" }),
    logger: captureLogger().logger,
    registry,
  });
  const entry = createCatalog({
    extensions: [
      {
        tenant_id: "acme",
        extension_id: "x",
        version: "1",
        kind: "process_hook",
        risk_tier: "low",
        wasm_blob_ref: `extensions/acme/x.wasm#sha256=${"ab".repeat(32)}`,
      },
    ],
  }).entries[0];
  /** Offers `n` failed invocations (every failure is kept). */
  const offerFailures = (n: number) => {
    for (let i = 0; i < n; i++)
      recordings.offer({
        entry,
        req: { version: "1" },
        ran: { ctx: { tenantId: "acme" }, input: new TextEncoder().encode(`{"i":${i}}`) },
        response: create(InvokeExtensionResponseSchema, { errorCode: "REFUSED" }),
        outcome: "business_error",
        latencyMs: 1,
      });
  };
  /** Recordings written, dropped by reason, and both together. */
  const counts = async () => {
    const text = await registry.metrics();
    const written = Number(/ameide_ext_recordings_written_total (\d+)/.exec(text)?.[1] ?? 0);
    const dropped: Record<string, number> = {};
    for (const m of text.matchAll(/ameide_ext_recordings_dropped_total\{reason="(\w+)"\} (\d+)/g))
      dropped[m[1] as string] = Number(m[2]);
    const total = written + Object.values(dropped).reduce((a, b) => a + b, 0);
    return { written, dropped, total };
  };
  return { recordings, registry, offerFailures, counts };
}
