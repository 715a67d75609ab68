import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_ORDERS_PORT,
  ORDERS_SERVICE_HELP,
  type OrdersServiceArgsDeps,
  parseOrdersServiceArgs,
} from "./orders-service-args.js";

const files: Record<string, string> = {
  "/stack/runtime-token": "jwt-from-dev\n",
  "/stack/empty": "\n",
  "/stack/config.json": JSON.stringify({ registry_url: "http://127.0.0.1:8090", token: "cli-token" }),
  "/stack/broken.json": "{",
};
const deps = (env: OrdersServiceArgsDeps["env"] = {}): OrdersServiceArgsDeps => ({
  env,
  cwd: "/work",
  readText(path) {
    const text = files[path];
    if (text === undefined) throw new Error(`ENOENT: ${path}`);
    return text;
  },
});
const parse = (argv: string[], env?: OrdersServiceArgsDeps["env"]) => parseOrdersServiceArgs(argv, deps(env));

describe("parseOrdersServiceArgs()", () => {
  it("fills in the defaults: SQLite under the working folder, bindings from it, the local runtime", () => {
    expect(parse([])).toEqual({
      port: DEFAULT_ORDERS_PORT,
      runtimeUrl: "http://127.0.0.1:8080",
      runtimeToken: undefined,
      database: { sqlite: "/work/.ameide-orders/orders.db" },
      bindings: { from: "sql" },
    });
  });

  it("takes the runtime from the environment, the flags winning", () => {
    const env = { AMEIDE_RUNTIME_URL: "http://rt:1/", AMEIDE_RUNTIME_TOKEN: "env-token" };
    expect(parse([], env)).toMatchObject({ runtimeUrl: "http://rt:1", runtimeToken: "env-token" });
    expect(parse(["--runtime-url", "http://rt:2", "--runtime-token", "flag"], env)).toMatchObject({
      runtimeUrl: "http://rt:2",
      runtimeToken: "flag",
    });
  });

  it("reads the runtime token `ameide-ext dev` wrote to its folder", () => {
    expect(parse(["--runtime-token-file", "/stack/runtime-token"])).toMatchObject({
      runtimeToken: "jwt-from-dev",
    });
  });

  it("reads the bindings from the registry with --registry-url and --env, the token from the CLI's config", () => {
    const argv = ["--registry-url", "http://127.0.0.1:8090", "--env", "dev", "--port", "0"];
    expect(parse(argv, { AMEIDE_CONFIG: "/stack/config.json" })).toMatchObject({
      port: 0,
      bindings: { from: "registry", url: "http://127.0.0.1:8090", env: "dev", token: "cli-token" },
    });
    expect(parse([...argv, "--registry-token", "t"], { AMEIDE_TOKEN: "e" })).toMatchObject({
      bindings: { token: "t" },
    });
  });

  it("takes PostgreSQL instead of SQLite", () => {
    expect(parse(["--postgres-url", "postgres://u@h:5432/orders"])).toMatchObject({
      database: { postgres: "postgres://u@h:5432/orders" },
    });
  });

  it("answers help for --help and -h", () => {
    expect(parse(["--help"])).toBe("help");
    expect(parse(["-h"])).toBe("help");
  });

  it.each([
    [["--port", "http"], "--port"],
    [["--port", "70000"], "--port"],
    [["--port", "-1"], "--port"],
    [["--runtime-url", "ftp://x"], "--runtime-url"],
    [["--runtime-url", "not a url"], "--runtime-url"],
    [["--runtime-token", "a", "--runtime-token-file", "/stack/runtime-token"], "--runtime-token-file"],
    [["--runtime-token-file", "/nowhere"], "/nowhere"],
    [["--runtime-token-file", "/stack/empty"], "empty"],
    [["--db", "a.db", "--postgres-url", "postgres://h/db"], "--postgres-url"],
    [["--postgres-url", "mysql://h/db"], "--postgres-url"],
    [["--db", ""], "--db"],
    [["--registry-url", "http://r"], "--env"],
    [["--registry-url", "http://r", "--env", "qa"], '"qa"'],
    [["--env", "dev"], "--registry-url"],
    [["--registry-token", "t"], "--registry-url"],
    [["--tenant", "acme"], "--tenant"],
    [["serve"], "serve"],
  ])("refuses %j with invalid_argument, naming %s", (argv, named) => {
    let error: unknown;
    try {
      parse(argv);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: "invalid_argument", reason: "invalid_input" });
    expect((error as Error).message).toContain(named);
  });

  it("refuses an AMEIDE_CONFIG that is not JSON, when it needs the token from it", () => {
    const argv = ["--registry-url", "http://r", "--env", "dev"];
    expect(() => parse(argv, { AMEIDE_CONFIG: "/stack/broken.json" })).toThrow(
      expect.objectContaining({ code: "invalid_argument" }),
    );
  });
});

describe("the README's option table", () => {
  it("names every option --help names, and no other", () => {
    const readme = readFileSync(join(import.meta.dirname, "..", "README.md"), "utf8");
    const table = readme.slice(readme.indexOf("| option | meaning | default |"));
    const rows = table.slice(0, table.indexOf("\n\n")).split("\n").slice(2);
    const firstCells = rows.map((row) => row.split("|")[1] ?? "").join(" ");
    const documented = new Set([...firstCells.matchAll(/--[a-z][a-z-]+/g)].map((m) => m[0]));
    const helped = new Set(
      [...ORDERS_SERVICE_HELP.matchAll(/^ {2}(?:-h, )?(--[a-z][a-z-]+)/gm)].map((m) => m[1]),
    );
    helped.delete("--help");
    expect([...documented].sort()).toEqual([...helped].sort());
  });
});
