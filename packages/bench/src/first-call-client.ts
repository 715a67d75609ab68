/**
 * One client process of `bench:first-call` (first-call-bench.ts): `<url> <token> <calls>`. Makes a new
 * SDK client and `calls` invocations of the invoice-line hook one after the other, and prints their
 * latencies in ms as a JSON array on stdout: the first pays this process's cold code paths (and the
 * server's, when it is the server's first).
 */
import { createRuntimeClient, userContext } from "@ameide-ext/sdk";
import { invoiceLines } from "./invoice-line.js";

const [url, token, calls = "4"] = process.argv.slice(2);
if (url === undefined || token === undefined)
  throw new Error("usage: first-call-client <url> <token> [calls]");
const client = createRuntimeClient({ baseUrl: url, token: () => token });
const [line] = invoiceLines(1);
const latencies: number[] = [];
for (let i = 0; i < Number(calls); i++) {
  const started = performance.now();
  const r = await client.invoke({
    extensionId: "invoice-line",
    input: line,
    ctx: userContext({ tenantId: "acme", userId: "u-1", correlationId: `first-call-${i}` }),
  });
  latencies.push(performance.now() - started);
  if (r.outcome !== "ok") throw new Error(`call ${i} answered ${r.outcome}`);
}
client.close();
process.stdout.write(`${JSON.stringify(latencies)}\n`);
