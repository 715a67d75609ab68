import { ExtensionError } from "@ameide-ext/contract";
import type { Command } from "commander";
import { startDevStack } from "../registry/start-dev-stack.js";
import { terminalSafe } from "../report/terminal-text.js";
import { INVOKE_ROUTE, invokeCurlCommand } from "../runtime/invoke-route.js";
import { type CommandContext, examples } from "./command-context.js";
import { executeRegistryCommand } from "./registry-command.js";
import { runUntilSignal } from "./run-until-signal.js";

interface DevFlags {
  dir?: string;
  registryPort: string;
  runtimePort: string;
  tenant?: string;
  logLevel: string;
  hostCalls?: string;
  readOnly?: string[];
  json?: boolean;
}

const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;

/** `ameide-ext dev`: a thin wrapper over {@link startDevStack} that runs until SIGINT or SIGTERM. */
export function registerDevCommand(program: Command, ctx: CommandContext): void {
  program
    .command("dev")
    .summary("run the registry and a runtime locally, sharing a module folder and the dev catalog")
    .description(
      "Start the Transformation registry (SQLite, folder module store) and a runtime watching the dev catalog the\n" +
        "registry writes, on loopback, until Ctrl-C. Prints the URLs, the tokens, how to invoke an extension\n" +
        "(ameide-ext invoke, and the curl route), and the environment to export. With --host-calls, a local host\n" +
        "service answers the runtime's host calls from the file (a fixture's hostCalls: the first matching answer,\n" +
        "every time; a call none matches gets unavailable), so a hook that makes host calls runs end to end.\n" +
        "Here you are the registry's operator: --read-only <service>/<method> declares a host method read-only\n" +
        "(none by default, as in production; an answer in --host-calls declares nothing), so a medium-risk hook\n" +
        "that marks it read_only (the agent_tool template's GetChurnRisk) is not refused (host_call_not_read_only).\n" +
        "Ctrl-C stops both within 2 s (compiles in flight are cancelled); a second Ctrl-C exits 1 at once.",
    )
    .option(
      "--dir <path>",
      "the stack's folder (database, modules, catalog, tokens): mode 0700, token and config files 0600",
      ".ameide-dev",
    )
    .option("--registry-port <port>", "the registry's port", "8090")
    .option("--runtime-port <port>", "the runtime's port", "8080")
    .option("--tenant <tenant>", "the tenant the tokens act for", "local")
    .option(
      "--log-level <level>",
      "the services' log level on stderr: debug, info, warn, error or silent",
      "info",
    )
    .option(
      "--host-calls <file>",
      "answer the runtime's host calls from this file (a fixture's hostCalls format; the first matching answer, every time)",
    )
    .option(
      "--read-only <service/method>",
      "declare a host method read-only, as the registry's operator does (read_only_host_methods); repeatable; default none",
      collect,
    )
    .option("--json", "print one JSON document on stdout once both are up")
    .addHelpText(
      "after",
      examples([
        "$ npx ameide-ext dev",
        "$ npx ameide-ext dev --registry-port 0 --runtime-port 0 --json",
        "$ npx ameide-ext dev --host-calls crm-answers.json   # an agent_tool's host calls, answered locally",
        "$ npx ameide-ext dev --read-only ameide.crm.v1.AccountService/GetChurnRisk   # a medium agent_tool's read",
      ]),
    )
    .action((flags: DevFlags) =>
      executeRegistryCommand(ctx, flags.json, async (progress) => {
        const stack = await startDevStack(
          {
            dir: flags.dir,
            registryPort: Number(flags.registryPort),
            runtimePort: Number(flags.runtimePort),
            tenant: flags.tenant,
            logLevel: checkLogLevel(flags.logLevel),
            hostCalls: flags.hostCalls,
            readOnlyHostMethods: flags.readOnly,
            // A hook's host call (its service, method, request) is the hook author's text.
            onUnansweredHostCall: (message) => ctx.deps.stderr.write(`${terminalSafe(message)}\n`),
          },
          ctx.deps,
        );
        const doc = {
          ok: true,
          dir: stack.dir,
          registryUrl: stack.registryUrl,
          runtimeUrl: stack.runtimeUrl,
          catalog: stack.catalog,
          modules: stack.modules,
          configFile: stack.configFile,
          tenant: stack.tenant,
          tokens: stack.tokens,
          runtimeToken: stack.runtimeToken,
          runtimeTokenFile: stack.runtimeTokenFile,
          invokeUrl: `${stack.runtimeUrl}${INVOKE_ROUTE}`,
          invokeCurl: invokeCurlCommand(stack),
          hostCalls: stack.hostCalls,
          readOnlyHostMethods: stack.readOnlyHostMethods,
        };
        const lines = [
          `registry  ${stack.registryUrl}`,
          `runtime   ${stack.runtimeUrl}`,
          `catalog   ${stack.catalog}`,
          ...Object.entries(stack.tokens).map(([who, token]) => `token     ${who.padEnd(14)} ${token}`),
          `runtime caller token (SDK \`token\` option, tenant ${stack.tenant}) in ${stack.runtimeTokenFile}`,
          `invoke    npx ameide-ext invoke <extension> --input input.json   (schema: npx ameide-ext schema invoke-request)`,
          `curl      ${doc.invokeCurl}`,
          ...(stack.hostCalls
            ? [
                `host calls answered from ${stack.hostCalls.file} at ${stack.hostCalls.url} (${stack.hostCalls.services.join(", ")})`,
              ]
            : []),
          ...Object.entries(stack.readOnlyHostMethods).map(
            ([service, methods]) => `read-only ${service}: ${methods.join(", ")}`,
          ),
          `export AMEIDE_CONFIG=${stack.configFile}`,
        ];
        // The document (or the lines) first, so a script can read the URLs while the stack runs.
        if (flags.json) ctx.deps.stdout.write(`${JSON.stringify(doc)}\n`);
        else for (const l of lines) ctx.deps.stdout.write(`${terminalSafe(l)}\n`);
        progress("running; Ctrl-C stops both");
        const outcome = await runUntilSignal(
          () => stack.close(),
          (signal) => progress(`${signal}: stopping (at most ${stack.drainMs / 1000} s); again to force`),
        );
        if (outcome === "forced") {
          progress("second signal: exiting without waiting for the stack to stop");
          await stack.flushLogs();
        }
        // Exit 1 after a forced stop; the document is already out, so nothing more is printed.
        return { doc: { ...doc, ok: outcome === "stopped" }, lines, printed: true };
      }),
    );
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function checkLogLevel(level: string): (typeof LOG_LEVELS)[number] {
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as (typeof LOG_LEVELS)[number];
  throw new ExtensionError(
    "invalid_argument",
    `--log-level is ${JSON.stringify(level)}, it must be one of ${LOG_LEVELS.join(", ")}`,
    "invalid_input",
  );
}
