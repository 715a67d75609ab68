#!/usr/bin/env node
// The `orders-domain` command: the Orders service as a process. Reads its options (orders-service-args),
// starts it (start-orders-service), prints one JSON line on stdout when it is ready, and stops cleanly on
// SIGTERM or SIGINT. Diagnostics go to stderr; this is the one place that calls process.exit.
import { readFileSync } from "node:fs";
import { ExtensionError } from "@ameide-ext/contract";
import { ORDERS_SERVICE_HELP, parseOrdersServiceArgs } from "./orders-service-args.js";
import { startOrdersService } from "./start-orders-service.js";

/** Exit codes: 0 stopped by a signal (or --help); 1 could not start; 2 bad options. */
const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Runs the command until a signal; resolves with its exit code. */
async function main(argv: readonly string[]): Promise<number> {
  let started: Awaited<ReturnType<typeof startOrdersService>>;
  try {
    const args = parseOrdersServiceArgs(argv, {
      env: process.env,
      cwd: process.cwd(),
      readText: (path) => readFileSync(path, "utf8"),
    });
    if (args === "help") {
      process.stdout.write(ORDERS_SERVICE_HELP);
      return EXIT.ok;
    }
    started = await startOrdersService(args);
  } catch (cause) {
    const error = ExtensionError.from(cause);
    const data = { code: error.code, reason: error.reason, message: error.message };
    process.stdout.write(`${JSON.stringify({ ok: false, error: data })}\n`);
    process.stderr.write(
      `orders-domain: ${error.message} (${error.code}${error.reason ? `/${error.reason}` : ""})\n`,
    );
    return error.code === "invalid_argument" ? EXIT.usage : EXIT.failed;
  }
  const service = started;
  process.stdout.write(`${JSON.stringify(service.summary)}\n`);
  process.stderr.write(`orders-domain: serving on ${service.url}; Ctrl-C or SIGTERM stops it\n`);
  const signal = await new Promise<string>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
  process.stderr.write(`orders-domain: ${signal}: stopping\n`);
  await service.close();
  return EXIT.ok;
}

process.exit(await main(process.argv.slice(2)));
