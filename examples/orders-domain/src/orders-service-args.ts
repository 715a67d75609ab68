import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ExtensionError } from "@ameide-ext/contract";

/** The environments a domain's bindings are read for (the registry's). */
export const BINDING_ENVS = ["dev", "staging", "prod"] as const;

/** The service's port when `--port` is not given (`ameide-ext dev` takes 8080 and 8090). */
export const DEFAULT_ORDERS_PORT = 8070;

/** The SQLite file when neither `--db` nor `--postgres-url` is given, under the working folder. */
export const DEFAULT_ORDERS_DB = join(".ameide-orders", "orders.db");

/** Where the orders and (without a registry) the bindings are kept. */
export type OrdersDatabase = { sqlite: string } | { postgres: string };

/** Where the tenants' bindings come from. */
export type BindingsSource =
  | { from: "registry"; url: string; token: string | undefined; env: (typeof BINDING_ENVS)[number] }
  | { from: "sql" };

/** The checked options of the `orders-domain` command. */
export interface OrdersServiceArgs {
  /** TCP port on 127.0.0.1; 0 picks a free one. Default {@link DEFAULT_ORDERS_PORT}. */
  port: number;
  /** The runtime service's URL. */
  runtimeUrl: string;
  /** The runtime's caller token, or undefined for a runtime that checks none. */
  runtimeToken: string | undefined;
  database: OrdersDatabase;
  bindings: BindingsSource;
}

/** What the environment may give: the variables `ameide-ext dev` and the SDK docs use. */
export interface OrdersServiceEnv {
  AMEIDE_RUNTIME_URL?: string | undefined;
  AMEIDE_RUNTIME_TOKEN?: string | undefined;
  AMEIDE_TOKEN?: string | undefined;
  AMEIDE_CONFIG?: string | undefined;
}

/** What the parser reads besides its arguments: the environment and files (a token file, the CLI's config). */
export interface OrdersServiceArgsDeps {
  env: OrdersServiceEnv;
  cwd: string;
  readText(path: string): string;
}

/** `--help`. */
export const ORDERS_SERVICE_HELP = `Usage: orders-domain [options]

Serve ameide.examples.orders.v1.OrderService (CreateOrder, GetOrder) over Connect on 127.0.0.1.
CreateOrder runs each tenant's extension bound to orders/BeforeCreateOrder and orders/AfterCreateOrder
in the runtime service. Prints one JSON line on stdout when it is ready ({"ok":true,"url":...});
SIGTERM or Ctrl-C stops it.

Options:
  --port <port>                TCP port on 127.0.0.1, 0 for a free one (default ${DEFAULT_ORDERS_PORT})
  --runtime-url <url>          the runtime service (default $AMEIDE_RUNTIME_URL, else http://127.0.0.1:8080)
  --runtime-token <token>      the runtime's caller token (default $AMEIDE_RUNTIME_TOKEN)
  --runtime-token-file <path>  or read it from a file: \`ameide-ext dev\` writes <its --dir>/runtime-token
  --db <path>                  the SQLite file for orders and bindings (default ${DEFAULT_ORDERS_DB})
  --postgres-url <url>         or PostgreSQL (postgres://...) instead of SQLite
  --registry-url <url>         read the bindings from the Transformation registry (\`ameide-ext bind\`)
  --env <env>                  with --registry-url: the environment's bindings, dev, staging or prod
  --registry-token <token>     with --registry-url: its token (default $AMEIDE_TOKEN, else the token in
                               the CLI's config file, $AMEIDE_CONFIG, which \`ameide-ext dev\` writes)
  -h, --help                   this text

Without --registry-url the bindings are read from the table domain_extension_configs in the same
database (createSqlConfigStore of @ameide-ext/sdk/sql): tenant_id, domain, extension_point,
extension_id, version.

Against \`ameide-ext dev --dir .ameide-dev\` (tenant local):
  $ npx ameide-ext bind orders/BeforeCreateOrder order-guard --env dev
  $ orders-domain --runtime-token-file .ameide-dev/runtime-token \\
      --registry-url http://127.0.0.1:8090 --env dev

Exit codes: 0 stopped by a signal; 1 could not start (the database, the port); 2 bad options.
`;

const OPTIONS = {
  port: { type: "string" },
  "runtime-url": { type: "string" },
  "runtime-token": { type: "string" },
  "runtime-token-file": { type: "string" },
  db: { type: "string" },
  "postgres-url": { type: "string" },
  "registry-url": { type: "string" },
  env: { type: "string" },
  "registry-token": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

type Flags = {
  [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]["type"] extends "boolean" ? boolean : string;
};

/** An `invalid_argument` refusal of the command line: exit code 2. */
function usage(message: string): ExtensionError {
  return new ExtensionError("invalid_argument", message, "invalid_input");
}

/**
 * Reads the `orders-domain` command line: `"help"` for `--help`, else the checked options, defaults
 * filled in. Anything wrong (an unknown flag, a bad port or URL, two databases, a registry without
 * `--env`, an unreadable token file) is `invalid_argument` / `invalid_input`, naming the flag and the fix.
 */
export function parseOrdersServiceArgs(
  argv: readonly string[],
  deps: OrdersServiceArgsDeps,
): OrdersServiceArgs | "help" {
  let flags: Flags;
  try {
    flags = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false })
      .values as Flags;
  } catch (cause) {
    throw usage(`${(cause as Error).message}; see orders-domain --help`);
  }
  if (flags.help) return "help";
  return {
    port: portOf(flags.port),
    runtimeUrl: urlOf(
      "--runtime-url",
      flags["runtime-url"] ?? nonEmpty(deps.env.AMEIDE_RUNTIME_URL) ?? "http://127.0.0.1:8080",
    ),
    runtimeToken: runtimeTokenOf(flags, deps),
    database: databaseOf(flags, deps.cwd),
    bindings: bindingsOf(flags, deps),
  };
}

const nonEmpty = (v: string | undefined) => (v === undefined || v === "" ? undefined : v);

function portOf(port: string | undefined): number {
  if (port === undefined) return DEFAULT_ORDERS_PORT;
  const n = /^[0-9]{1,5}$/.test(port) ? Number(port) : Number.NaN;
  if (!(n >= 0 && n <= 65_535))
    throw usage(`--port is ${JSON.stringify(port)}: give a whole number from 0 (a free port) to 65535`);
  return n;
}

function urlOf(flag: string, url: string, schemes = ["http:", "https:"]): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !schemes.includes(parsed.protocol))
    throw usage(`${flag} is ${JSON.stringify(url)}: give a URL starting with ${schemes.join(" or ")}//`);
  return url.replace(/\/+$/, "");
}

function runtimeTokenOf(flags: Flags, deps: OrdersServiceArgsDeps): string | undefined {
  const file = flags["runtime-token-file"];
  if (file !== undefined && flags["runtime-token"] !== undefined)
    throw usage("--runtime-token and --runtime-token-file both give the token: keep one");
  if (file === undefined) return flags["runtime-token"] ?? nonEmpty(deps.env.AMEIDE_RUNTIME_TOKEN);
  let token: string;
  try {
    token = deps.readText(resolve(deps.cwd, file)).trim();
  } catch (cause) {
    throw usage(
      `--runtime-token-file ${file} cannot be read (${(cause as Error).message}): give the file \`ameide-ext dev\` wrote, <its --dir>/runtime-token`,
    );
  }
  if (token === "")
    throw usage(`--runtime-token-file ${file} is empty: it must hold the runtime's caller token`);
  return token;
}

function databaseOf(flags: Flags, cwd: string): OrdersDatabase {
  const pgUrl = flags["postgres-url"];
  if (pgUrl !== undefined && flags.db !== undefined)
    throw usage("--db (SQLite) and --postgres-url (PostgreSQL) both name the database: keep one");
  if (pgUrl !== undefined) return { postgres: urlOf("--postgres-url", pgUrl, ["postgres:", "postgresql:"]) };
  if (flags.db === "") throw usage('--db is "": give the SQLite file\'s path');
  return { sqlite: flags.db === ":memory:" ? ":memory:" : resolve(cwd, flags.db ?? DEFAULT_ORDERS_DB) };
}

function bindingsOf(flags: Flags, deps: OrdersServiceArgsDeps): BindingsSource {
  const url = flags["registry-url"];
  if (url === undefined) {
    const stray = (["env", "registry-token"] as const).find((f) => flags[f] !== undefined);
    if (stray)
      throw usage(
        `--${stray} goes with --registry-url: add --registry-url, or drop --${stray} to read the bindings from the database`,
      );
    return { from: "sql" };
  }
  const env = flags.env;
  if (env === undefined || !(BINDING_ENVS as readonly string[]).includes(env))
    throw usage(
      `--env is ${env === undefined ? "missing" : JSON.stringify(env)}: with --registry-url, name the environment whose bindings to read: ${BINDING_ENVS.join(", ")}`,
    );
  const token = flags["registry-token"] ?? nonEmpty(deps.env.AMEIDE_TOKEN) ?? configToken(deps);
  return {
    from: "registry",
    url: urlOf("--registry-url", url),
    token,
    env: env as (typeof BINDING_ENVS)[number],
  };
}

/** The token in the CLI's config file ($AMEIDE_CONFIG), which `ameide-ext dev` writes; undefined without one. */
function configToken(deps: OrdersServiceArgsDeps): string | undefined {
  const file = nonEmpty(deps.env.AMEIDE_CONFIG);
  if (file === undefined) return undefined;
  let doc: { token?: unknown };
  try {
    doc = JSON.parse(deps.readText(resolve(deps.cwd, file))) as { token?: unknown };
  } catch (cause) {
    throw usage(
      `AMEIDE_CONFIG ${file} cannot be read as JSON (${(cause as Error).message}): pass --registry-token instead`,
    );
  }
  return typeof doc.token === "string" && doc.token !== "" ? doc.token : undefined;
}
