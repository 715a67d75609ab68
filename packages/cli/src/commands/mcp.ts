import path from "node:path";
import { ExtensionError } from "@ameide-ext/contract";
import { CREATED_BY_PATTERN } from "@ameide-ext/toolkit";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { Command } from "commander";
import { exitCodeFor } from "../exit-code.js";
import { createMcpServer } from "../mcp/create-mcp-server.js";
import { MCP_TOOLS } from "../mcp/mcp-tools.js";
import { createWorkspaceRoot } from "../mcp/workspace-root.js";
import type { RegistryFlags } from "../registry/registry-settings.js";
import { type CommandContext, examples } from "./command-context.js";

interface McpFlags extends RegistryFlags {
  root?: string;
  agent?: string;
}

/** The agent identity when neither --agent nor an `agent:` AMEIDE_ACTOR names one. */
export const DEFAULT_MCP_AGENT = "agent:mcp";

/**
 * `ameide-ext mcp`: serves the toolchain as MCP tools over stdio until stdin closes. stdout carries MCP
 * messages only; diagnostics go to stderr.
 */
export function registerMcpCommand(program: Command, ctx: CommandContext, version: string): void {
  program
    .command("mcp")
    .summary("serve new, build, test, run, promote and status as MCP tools over stdio, for agents")
    .description(
      [
        "An MCP server on stdin/stdout (docs/agents.md). Tools: scaffold_hook,",
        "build_hook, test_hook, run_hook, explain_error, promote_hook, hook_status,",
        "list_extensions.",
        "Resources: the contract, the schemas, the templates, the PDK reference.",
        "Prompt: write_hook. Every dir argument must lie inside --root. It acts as one",
        "agent (its token) and never approves.",
      ].join("\n"),
    )
    .option(
      "--root <dir>",
      "the workspace root: tools touch only folders inside it (default: the working directory)",
    )
    .option(
      "--agent <actor>",
      `the agent identity, agent:<id>, the created_by of what it scaffolds (default $AMEIDE_ACTOR when it is an agent, else ${DEFAULT_MCP_AGENT})`,
    )
    .option(
      "--registry <url>",
      "the registry's URL (default $AMEIDE_REGISTRY_URL, else the config file's registry_url)",
    )
    .option(
      "--token <token>",
      "the agent's bearer token (default $AMEIDE_TOKEN; never the config file's, which is a person's)",
    )
    .option(
      "--tenant <tenant>",
      "the tenant (default $AMEIDE_TENANT, else the config file's tenant, else local)",
    )
    .option(
      "--config <file>",
      "the CLI config file (default $AMEIDE_CONFIG, else the nearest .ameide-dev/config.json at or above the cwd, else ~/.ameide-ext/config.json)",
    )
    .addHelpText(
      "after",
      examples([
        "$ npx ameide-ext mcp --root . --agent agent:deal-coach",
        `$ claude mcp add ameide-ext -- npx ameide-ext mcp --root "$PWD"`,
      ]),
    )
    .action(async (flags: McpFlags) => {
      const { deps } = ctx;
      try {
        const actor = agentIdentity(flags.agent, deps.env.AMEIDE_ACTOR);
        const root = await createWorkspaceRoot(flags.root ?? deps.cwd).catch((cause: Error) => {
          throw new ExtensionError("not_found", `--root ${flags.root}: ${cause.message}`);
        });
        const registry: RegistryFlags = {
          registry: flags.registry,
          // The agent's own token only: the config file's is a person's.
          token: flags.token ?? deps.env.AMEIDE_TOKEN,
          tenant: flags.tenant,
          // Relative to where it was started, as the user typed it (the tools work from the root).
          config: flags.config === undefined ? undefined : path.resolve(deps.cwd, flags.config),
        };
        // stdout carries MCP messages only: whatever the tools or a library print goes to stderr.
        console.log = console.error;
        console.info = console.error;
        const toolDeps = { ...deps, cwd: root.root, stdout: deps.stderr };
        const server = createMcpServer({ root, actor, registry, deps: toolDeps }, { version });
        const stdin = process.stdin;
        const closed = new Promise<void>((resolve) => {
          server.onclose = () => resolve();
          stdin.once("end", () => void server.close());
        });
        await server.connect(new StdioServerTransport(stdin, process.stdout));
        deps.stderr.write(`ameide-ext mcp: ${MCP_TOOLS.length} tools as ${actor}, root ${root.root}\n`);
        await closed;
      } catch (cause) {
        const error = ExtensionError.from(cause);
        deps.stderr.write(
          `error (${error.code}${error.reason ? `/${error.reason}` : ""}): ${error.message}\n`,
        );
        ctx.setExit(exitCodeFor(error));
      }
    });
}

/** --agent, else an `agent:` $AMEIDE_ACTOR, else {@link DEFAULT_MCP_AGENT}; refuses anything but `agent:<id>`. */
function agentIdentity(flag: string | undefined, actor: string | undefined): string {
  const chosen = flag ?? (actor?.startsWith("agent:") ? actor : DEFAULT_MCP_AGENT);
  if (!chosen.startsWith("agent:") || !new RegExp(CREATED_BY_PATTERN).test(chosen))
    throw new ExtensionError(
      "invalid_argument",
      `--agent ${JSON.stringify(chosen)} must be agent:<id> (no spaces): the MCP server acts only as an agent`,
    );
  return chosen;
}
