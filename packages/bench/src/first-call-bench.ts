/**
 * `npm run bench:first-call`: what a process's first invocation costs. Each round starts the runtime
 * service (a child process, the built runtime, as bench:service runs it) with the invoice-line hook
 * (low tier), then runs two client processes one after the other (first-call-client.ts: a new SDK
 * client, 4 invocations each). The first client's first call meets a fresh service (both cold), the
 * second's a warm one (only the client cold); the second's last call is the steady state. The
 * service's first invocation's own time (its log's `latency_ms`) is printed too. ROUNDS sets the rounds
 * (default 6); medians and every round's figures are printed. A domain's hook point has a budget of
 * 50-150 ms per command (spec 479 §10.2): a first call that takes a large share of it is a refusal
 * waiting for a loaded machine.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { prepareInvoiceService } from "./invoice-catalog.js";
import { median } from "./median.js";
import { startServer } from "./service-harness.js";
import { firstInvocationTime } from "./service-log.js";

const CLIENT = fileURLToPath(new URL("./first-call-client.ts", import.meta.url));
const log = (line: string) => process.stderr.write(`bench:first-call: ${line}\n`);

/** The latencies of one client process's calls, in ms. */
function clientCalls(url: string, token: string): number[] {
  const out = execFileSync(
    process.execPath,
    ["--conditions=source", "--import", "tsx", CLIENT, url, token, "4"],
    {
      encoding: "utf8",
    },
  );
  return JSON.parse(out.trim().split("\n").at(-1) as string) as number[];
}

async function main(): Promise<void> {
  const rounds = Number(process.env.ROUNDS ?? 6);
  const dir = await mkdtemp(join(tmpdir(), "ameide-first-call-"));
  try {
    log("building the invoice-line hook");
    const { catalog, token } = await prepareInvoiceService(dir, "bench-first-call");
    const cold: number[] = [];
    const warm: number[] = [];
    const steady: number[] = [];
    const serverFirst: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const logFile = join(dir, `runtime-${round}.log`);
      const server = await startServer(catalog, logFile);
      try {
        cold.push(clientCalls(server.url, token)[0] as number);
        const second = clientCalls(server.url, token);
        warm.push(second[0] as number);
        steady.push(second.at(-1) as number);
      } finally {
        await server.stop();
      }
      serverFirst.push(firstInvocationTime(await readFile(logFile, "utf8")));
      log(`round ${round + 1} of ${rounds} done`);
    }
    const row = (label: string, xs: number[]) =>
      `  ${label.padEnd(46)} median ${median(xs).toFixed(1)} ms  (${xs.map((x) => x.toFixed(1)).join(", ")})`;
    process.stdout.write(
      [
        `first invocation of a new SDK client process, invoice-line hook (low tier), ${rounds} rounds:`,
        row("against a fresh service (client and service cold)", cold),
        row("against a warm service (client cold)", warm),
        row("the same client's 4th call (steady)", steady),
        row("the fresh service's own time for its first", serverFirst),
        "",
      ].join("\n"),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
