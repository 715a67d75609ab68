import { parseArgs } from "node:util";
import { ExtensionError } from "@ameide-ext/contract";
import { createRuntimeClient } from "@ameide-ext/sdk";
import type { ToolDefinition } from "@ameide-ext/sdk/agent";
import { OPPORTUNITY_RISK_ID, readToolManifest } from "./opportunity-risk-hook.js";
import { readRegistryToolDefinition } from "./registry-tool-definition.js";
import { runDealCoach } from "./run-deal-coach.js";

/** Exit codes of `deal-coach-agent`: stable, documented in its README and `--help`. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The side effects of {@link runCli}: streams, files, environment. */
export interface CliIo {
  /** Data: the turns, or the one JSON document of `--json`. */
  out(line: string): void;
  /** Diagnostics. */
  err(line: string): void;
  env: Record<string, string | undefined>;
  readText(file: string): Promise<string>;
}

/** `deal-coach-agent --help`. */
export const HELP = `deal-coach-agent: the deal-coach agent stub (no LLM) over a runtime service

Asks two scripted questions about two opportunities; for each, picks the opportunity-risk tool by its
descriptor, calls it on behalf of the agent and answers; every tool call is appended to a JSONL audit file.

Options (each also read from the environment variable named):
  --runtime-url <url>          the runtime service (AMEIDE_RUNTIME_URL; default http://localhost:8080)
  --runtime-token <jwt>        the runtime's caller token (AMEIDE_RUNTIME_TOKEN)
  --runtime-token-file <file>  a file holding it, e.g. ameide-ext dev's runtime-token (AMEIDE_RUNTIME_TOKEN_FILE)
  --tenant <id>                the tenant the agent works for (AMEIDE_TENANT; default local)
  --audit-file <file>          where audit records are appended (AMEIDE_AUDIT_FILE; default audit/deal-coach.jsonl)
  --registry-url <url>         read the tool's definition from this registry instead of the hook's
                               extension.json (AMEIDE_REGISTRY_URL), with --registry-token (AMEIDE_TOKEN)
  --tool-version <v>           the version to call: default "latest" (from the manifest) or the registry's newest
  --conversation-id <id>       correlation ids are <id>.turn-<n> (default a fresh UUID)
  --json                       print one JSON document instead of the turns
  --help                       this text

Exit codes: 0 answered, 1 a technical error (runtime or registry), 2 bad usage.
`;

const OPTIONS = {
  "runtime-url": { type: "string" },
  "runtime-token": { type: "string" },
  "runtime-token-file": { type: "string" },
  tenant: { type: "string" },
  "audit-file": { type: "string" },
  "registry-url": { type: "string" },
  "registry-token": { type: "string" },
  "tool-version": { type: "string" },
  "conversation-id": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean" },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true }>>["values"];

/** The errors that are the caller's to fix on the command line: they exit 2, not 1. */
const usageErrors = new WeakSet<ExtensionError>();

function usage(message: string, field: string): ExtensionError {
  const e = new ExtensionError("invalid_argument", message, "invalid_input", { field });
  usageErrors.add(e);
  return e;
}

function readUrl(flag: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usage(`--${flag} ${JSON.stringify(text)} is not a URL; give one like http://127.0.0.1:8080`, flag);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw usage(
      `--${flag} ${JSON.stringify(text)} is not http(s); give one like http://127.0.0.1:8080`,
      flag,
    );
  return text;
}

async function runtimeToken(flags: Flags, io: CliIo): Promise<string> {
  const token = flags["runtime-token"] ?? io.env.AMEIDE_RUNTIME_TOKEN;
  if (token !== undefined) return token;
  const file = flags["runtime-token-file"] ?? io.env.AMEIDE_RUNTIME_TOKEN_FILE;
  if (file === undefined) return "";
  try {
    return (await io.readText(file)).trim();
  } catch (cause) {
    throw usage(
      `cannot read --runtime-token-file ${file}: ${(cause as Error).message}`,
      "runtime-token-file",
    );
  }
}

async function toolDefinition(flags: Flags, io: CliIo, tenantId: string): Promise<ToolDefinition> {
  const registryUrl = flags["registry-url"] ?? io.env.AMEIDE_REGISTRY_URL;
  if (registryUrl === undefined) return readToolManifest(undefined, flags["tool-version"] ?? "latest");
  return readRegistryToolDefinition({
    url: readUrl("registry-url", registryUrl),
    token: flags["registry-token"] ?? io.env.AMEIDE_TOKEN ?? "",
    tenantId,
    extensionId: OPPORTUNITY_RISK_ID,
    version: flags["tool-version"],
  });
}

/**
 * `deal-coach-agent [options]`: runs the agent over the sample conversation
 * against a runtime service and returns the exit code ({@link EXIT}).
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    let flags: Flags;
    try {
      flags = parseArgs({ args: [...argv], options: OPTIONS, strict: true }).values;
    } catch (cause) {
      throw usage(`${(cause as Error).message}; see --help`, "argv");
    }
    if (flags.help) {
      io.out(HELP);
      return EXIT.ok;
    }
    const tenantId = flags.tenant ?? io.env.AMEIDE_TENANT ?? "local";
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(tenantId))
      throw usage(
        `--tenant ${JSON.stringify(tenantId)} is not a tenant id (lowercase letters, digits, -)`,
        "tenant",
      );
    const baseUrl = readUrl(
      "runtime-url",
      flags["runtime-url"] ?? io.env.AMEIDE_RUNTIME_URL ?? "http://localhost:8080",
    );
    const token = await runtimeToken(flags, io);
    const definition = await toolDefinition(flags, io, tenantId);
    const client = createRuntimeClient({ baseUrl, token: () => token });
    try {
      const run = await runDealCoach({
        client,
        definition,
        tenantId,
        auditFile: flags["audit-file"] ?? io.env.AMEIDE_AUDIT_FILE ?? "audit/deal-coach.jsonl",
        conversationId: flags["conversation-id"],
        write: flags.json ? undefined : io.out,
      });
      if (flags.json) io.out(JSON.stringify(summary(run)));
      else {
        const calls = run.turns.filter((t) => t.toolResult !== undefined).length;
        io.err(`audit: ${calls} tool call(s) appended to ${run.auditFile}`);
      }
      return EXIT.ok;
    } finally {
      client.close();
    }
  } catch (cause) {
    const e = ExtensionError.from(cause);
    io.err(`deal-coach-agent: ${e.code}${e.reason ? `/${e.reason}` : ""}: ${e.message}`);
    return usageErrors.has(e) ? EXIT.usage : EXIT.failed;
  }
}

function summary(run: Awaited<ReturnType<typeof runDealCoach>>) {
  return {
    conversationId: run.conversationId,
    auditFile: run.auditFile,
    turns: run.turns.map((t) => ({
      turn: t.turn,
      question: t.question,
      correlationId: t.correlationId,
      tool: t.toolResult && {
        name: t.toolResult.audit.tool,
        outcome: t.toolResult.audit.outcome,
        resolvedVersion: t.toolResult.audit.resolvedVersion,
        moduleSha256: t.toolResult.audit.moduleSha256,
      },
      answer: t.answer,
    })),
  };
}
