/**
 * `npm run bench:sdk-client`: what the SDK's own client costs on the batch path
 * (issue #12 §4). The 500-line invoice of bench:batch, priced by the
 * invoice-line hook in the runtime service (a child process), through
 * `createRuntimeClient` twice, same run, interleaved: Connect carried by the
 * SDK's lean HTTP client (the default) and by connect-node's transport (the
 * baseline, `connectClient: "connect-node"`), over HTTP/1.1 and HTTP/2. Prints
 * the p50 of `invokeMany` (one InvokeExtensionBatch) and of one `invoke` call
 * (timed one by one, 100 lines a round).
 * SDK_CLIENT_TIME_MS sets how long the batch rows sample (default 4000).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRuntimeClient, type RuntimeClient, userContext } from "@ameide-ext/sdk";
import { prepareInvoiceService } from "./invoice-catalog.js";
import { invoiceLines } from "./invoice-line.js";
import { INVOICE_LINES } from "./measure-batch.js";
import { median } from "./median.js";
import { startServer } from "./service-harness.js";

const log = (line: string) => process.stderr.write(`bench:sdk-client: ${line}\n`);
const ms = (us: number) => `${(us / 1000).toFixed(2)} ms`;

/** One measured client: its label and its samples, in µs. */
interface Row {
  label: string;
  client: RuntimeClient;
  batchUs: number[];
  /** One `invoke` each. */
  singlesUs: number[];
}

/** Lines priced one call at a time per round. */
const SINGLES_PER_ROUND = 100;

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "ameide-sdk-client-bench-"));
  try {
    log("building the invoice-line hook");
    const { catalog, token } = await prepareInvoiceService(dir, "bench-sdk-client", "warn");
    const server = await startServer(catalog, join(dir, "runtime.log"));
    const rows: Row[] = [];
    try {
      for (const httpVersion of ["1.1", "2"] as const)
        for (const connectClient of ["lean", "connect-node"] as const)
          rows.push({
            label: `${connectClient === "lean" ? "lean client" : "connect-node (baseline)"}, HTTP/${httpVersion}`,
            client: createRuntimeClient({
              baseUrl: server.url,
              httpVersion,
              connectClient,
              token: () => token,
            }),
            batchUs: [],
            singlesUs: [],
          });
      const ctx = userContext({ tenantId: "acme", userId: "u-1", correlationId: "invoice-1" });
      const lines = invoiceLines(INVOICE_LINES);
      const batch = async (c: RuntimeClient) => {
        const r = await c.invokeMany("invoice-line", lines, ctx);
        if (r.results.some((x) => x.outcome !== "ok")) throw new Error("a line did not answer ok");
      };
      const singles = async (r: Row) => {
        for (const line of lines.slice(0, SINGLES_PER_ROUND)) {
          const t = performance.now();
          const res = await r.client.invoke({ extensionId: "invoice-line", ctx, input: line });
          r.singlesUs.push((performance.now() - t) * 1000);
          if (res.outcome !== "ok") throw new Error("a single call did not answer ok");
        }
      };
      log(`server ${server.url}; warming up`);
      for (const r of rows) for (let i = 0; i < 20; i++) await batch(r.client);
      const until = performance.now() + Number(process.env.SDK_CLIENT_TIME_MS ?? 4_000);
      log("sampling, interleaved");
      for (let i = 0; performance.now() < until; i++)
        for (const r of rows) {
          const t = performance.now();
          await batch(r.client);
          r.batchUs.push((performance.now() - t) * 1000);
          if (i % 5 === 0) await singles(r);
        }
    } finally {
      for (const r of rows) r.client.close();
      await server.stop();
    }
    const out = [
      `${INVOICE_LINES}-line invoice through createRuntimeClient, p50, same run, interleaved:`,
      `  ${"client".padEnd(36)} ${"invokeMany (1 batch)".padEnd(26)} one invoke (× ${INVOICE_LINES})`,
      ...rows.map(
        (r) =>
          `  ${r.label.padEnd(36)} ${`${ms(median(r.batchUs))} (${r.batchUs.length})`.padEnd(26)} ${ms(median(r.singlesUs))} (${ms(median(r.singlesUs) * INVOICE_LINES)}; ${r.singlesUs.length})`,
      ),
    ];
    process.stdout.write(`${out.join("\n")}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
