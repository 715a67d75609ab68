// `ameide-ext-registry`: the registry as a process.
//
//   ameide-ext-registry --config <registry.yaml> [--port N] [--host ADDR]
//
// Exit codes: 0 after SIGTERM/SIGINT; 1 when it cannot start (bad config,
// database unreachable, port in use); 2 for a usage error. Logs are JSON
// lines on stdout (pino).
import { parseArgs } from "node:util";
import { ExtensionError } from "@ameide-ext/contract";
import { loadRegistryConfig } from "./registry-config.js";
import { startRegistry } from "./start-registry.js";

const USAGE = `usage: ameide-ext-registry --config <registry.yaml> [--port N] [--host ADDR]

  --config, -c   the config file (YAML or JSON); or AMEIDE_REGISTRY_CONFIG
  --port, -p     TCP port (default listen.port, else 8090)
  --host         TCP address (default listen.host, else 127.0.0.1)
  --help, -h     this text

Serves the API (Connect, gRPC-Web, gRPC), /healthz, and the review page for
humans at /review (sign in with the same bearer token the API takes).
See docs/registry.md for the config, the rules and the API.
`;

/** Runs the registry until a signal stops it; resolves with the exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let values: { config?: string; port?: string; host?: string; help?: boolean };
  try {
    values = parseArgs({
      args: argv,
      options: {
        config: { type: "string", short: "c" },
        port: { type: "string", short: "p" },
        host: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (cause) {
    process.stderr.write(`ameide-ext-registry: ${(cause as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stderr.write(USAGE);
    return 0;
  }
  const file = values.config ?? env.AMEIDE_REGISTRY_CONFIG;
  if (!file) {
    process.stderr.write(`ameide-ext-registry: --config is required\n\n${USAGE}`);
    return 2;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    process.stderr.write(
      `ameide-ext-registry: --port is ${JSON.stringify(values.port)}, it must be from 0 to 65535\n`,
    );
    return 2;
  }
  try {
    const config = await loadRegistryConfig(file);
    config.listen = {
      ...config.listen,
      ...(port !== undefined ? { port } : {}),
      ...(values.host ? { host: values.host } : {}),
    };
    const running = await startRegistry({ config, env });
    await new Promise<void>((resolve) => {
      process.once("SIGTERM", resolve);
      process.once("SIGINT", resolve);
    });
    await running.close();
    return 0;
  } catch (cause) {
    const e = ExtensionError.from(cause);
    process.stderr.write(`ameide-ext-registry: ${e.message}\n`);
    return 1;
  }
}

/** The process entry: runs {@link main} and exits with its code. */
export function runMain(): void {
  main(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (cause: unknown) => {
      process.stderr.write(`ameide-ext-registry: ${String(cause)}\n`);
      process.exit(1);
    },
  );
}
