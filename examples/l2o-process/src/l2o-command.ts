import { parseArgs } from "node:util";
import { ExtensionError, isExtensionError } from "@ameide-ext/contract";
import { createRuntimeClient } from "@ameide-ext/sdk";
import { formatRun } from "./format-run.js";
import type { Deal } from "./l2o-flow.js";
import { parseDeal } from "./parse-deal.js";
import { readL2oBpmn } from "./read-check-deal.js";
import { checkDealIds, runDeals } from "./run-deals.js";
import { SAMPLE_DEALS } from "./sample-deals.js";

/** Exit codes of the l2o-process script: stable, documented in the README. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The usage text (`--help`). */
export const USAGE = `Usage: l2o-process [options]

Runs the L2O deal approval (l2o.bpmn) against a runtime service, without a Temporal server:
reads the BPMN, runs its Extension Task check-deal with the SDK's activity function, routes
on its answer, and prints the path each deal took.

Options:
  --url <url>       runtime service (env AMEIDE_RUNTIME_URL; default http://localhost:8080)
  --token <jwt>     bearer token for the runtime service (env AMEIDE_RUNTIME_TOKEN)
  --tenant <id>     tenant the processes run for (env AMEIDE_TENANT; default "local")
  --user <id>       user the processes act for (default "sales-rep")
  --deal <json>     a deal, e.g. '{"id":"D-7","amount":60000,"margin":0.05}'; repeatable.
                    Default: three sample deals, one per path (standard, extra approval, invalid)
  --json            print one JSON document: the runs
  -h, --help        this text

Exit codes: 0 every deal reached an end event; 1 a deal failed (the runtime was unreachable,
the extension is missing...); 2 bad usage.`;

/** Where the command writes, and what it reads from its environment. */
export interface L2oCommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
}

interface L2oOptions {
  url: string;
  token: string | undefined;
  tenant: string;
  user: string;
  deals: Deal[];
  json: boolean;
}

function flagsOf(argv: string[]) {
  try {
    return parseFlags(argv);
  } catch (err) {
    // node:util's own errors (an unknown flag, a missing value) are bad usage, like a bad --deal.
    throw new ExtensionError("invalid_argument", `${(err as Error).message}; see --help`, "invalid_input", {
      argv,
    });
  }
}

function parseFlags(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      url: { type: "string" },
      token: { type: "string" },
      tenant: { type: "string" },
      user: { type: "string" },
      deal: { type: "string", multiple: true },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  }).values;
}

function optionsOf(argv: string[], env: L2oCommandIo["env"]): L2oOptions | "help" {
  const values = flagsOf(argv);
  if (values.help) return "help";
  return {
    url: values.url ?? env.AMEIDE_RUNTIME_URL ?? "http://localhost:8080",
    token: values.token ?? env.AMEIDE_RUNTIME_TOKEN,
    tenant: values.tenant ?? env.AMEIDE_TENANT ?? "local",
    user: values.user ?? "sales-rep",
    deals: [...checkDealIds(values.deal?.map(parseDeal) ?? SAMPLE_DEALS)],
    json: values.json ?? false,
  };
}

// One line for stderr: the code (and reason) first, so a reader or a script can act on it.
function errorLine(err: unknown): string {
  const e = isExtensionError(err) ? err : undefined;
  if (e) return `${e.code}${e.reason ? `/${e.reason}` : ""}: ${e.message}`;
  const f = err as { name?: unknown; type?: unknown; message?: unknown; details?: unknown };
  const details = Array.isArray(f?.details) ? ` ${JSON.stringify(f.details[0])}` : "";
  return `${String(f?.type ?? f?.name ?? "Error")}: ${String(f?.message ?? err)}${details}`;
}

/**
 * The l2o-process script as a function: parses `argv`, runs the deals
 * (runDeals) against the runtime service, prints one line per deal (or
 * `--json`), and resolves with the exit code ({@link EXIT}).
 */
export async function runL2oCommand(argv: string[], io: L2oCommandIo): Promise<number> {
  let options: L2oOptions | "help";
  try {
    options = optionsOf(argv, io.env);
  } catch (err) {
    io.stderr(`l2o-process: ${errorLine(ExtensionError.from(err))}\n${USAGE}\n`);
    return EXIT.usage;
  }
  if (options === "help") {
    io.stdout(`${USAGE}\n`);
    return EXIT.ok;
  }
  const { token } = options;
  const client = createRuntimeClient({ baseUrl: options.url, ...(token ? { token: () => token } : {}) });
  try {
    const runs = await runDeals({
      client,
      xml: await readL2oBpmn(),
      deals: options.deals,
      process: { tenantId: options.tenant, userId: options.user },
      onUserTask: (dealId, taskId) => io.stderr(`${dealId}: user task ${taskId} completed by the script\n`),
    });
    io.stdout(options.json ? `${JSON.stringify(runs, null, 2)}\n` : `${runs.map(formatRun).join("\n")}\n`);
    return EXIT.ok;
  } catch (err) {
    io.stderr(`l2o-process: ${errorLine(err)}\n`);
    return EXIT.failed;
  } finally {
    client.close();
  }
}
