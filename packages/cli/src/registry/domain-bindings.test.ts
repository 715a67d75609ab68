import { DomainBindingSchema, Environment, ExtensionService } from "@ameide-ext/proto";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { createClient, createRouterTransport } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli.js";
import { createCapturedDeps } from "../testing/cli-process.js";
import { bindDomainPoint, clearDomainPoint, listDomainBindings, parsePointRef } from "./domain-bindings.js";

const flags = { registry: "http://127.0.0.1:1", token: "t".repeat(20), tenant: "acme" };

/** A registry standing in for the real one (unit test): it records each request and answers a binding. */
function fakeRegistry() {
  const requests: Array<[string, Record<string, unknown>]> = [];
  const binding = create(DomainBindingSchema, {
    tenantId: "acme",
    env: Environment.PROD,
    domain: "orders",
    extensionPoint: "BeforeCreateOrder",
    config: { extensionId: "order-guard", version: "3" },
    updatedBy: "user:ann",
    updatedAt: timestampFromDate(new Date("2026-12-05T10:00:00.000Z")),
  });
  const transport = createRouterTransport(({ service }) =>
    service(ExtensionService, {
      setDomainBinding: (req) => {
        requests.push(["set", { ...req }]);
        return { binding };
      },
      clearDomainBinding: (req) => {
        requests.push(["clear", { ...req }]);
        return { binding };
      },
      listDomainBindings: (req) => {
        requests.push(["list", { ...req }]);
        return { bindings: [binding] };
      },
    }),
  );
  return { client: createClient(ExtensionService, transport), requests };
}

describe("parsePointRef()", () => {
  it("splits <domain>/<point> and refuses anything else with invalid_argument", () => {
    expect(parsePointRef("orders/BeforeCreateOrder")).toEqual({
      domain: "orders",
      point: "BeforeCreateOrder",
    });
    for (const bad of [
      "orders",
      "orders/",
      "/BeforeCreateOrder",
      "Orders/BeforeCreateOrder",
      "orders/Before-Create",
      "a/b/c",
      "orders/Before Create",
    ])
      expect(() => parsePointRef(bad), bad).toThrow(expect.objectContaining({ code: "invalid_argument" }));
  });
});

describe("bindDomainPoint(), clearDomainPoint(), listDomainBindings()", () => {
  const { deps } = createCapturedDeps({ cwd: "/" });

  it("send the tenant, environment, point, version and comment, and read the binding back", async () => {
    const fake = fakeRegistry();
    const r = await bindDomainPoint(
      {
        ...flags,
        client: fake.client,
        point: "orders/BeforeCreateOrder",
        extension: "order-guard",
        version: "3",
        env: "prod",
        comment: "CHG-42",
      },
      deps,
    );
    expect(fake.requests[0]).toEqual([
      "set",
      expect.objectContaining({
        tenantId: "acme",
        env: Environment.PROD,
        domain: "orders",
        extensionPoint: "BeforeCreateOrder",
        extensionId: "order-guard",
        version: "3",
        comment: "CHG-42",
      }),
    ]);
    expect(r).toEqual({
      ok: true,
      tenant: "acme",
      cleared: false,
      env: "prod",
      domain: "orders",
      point: "BeforeCreateOrder",
      extension: "order-guard",
      version: "3",
      updatedBy: "user:ann",
      updatedAt: "2026-12-05T10:00:00.000Z",
    });
    const cleared = await clearDomainPoint(
      { ...flags, client: fake.client, point: "orders/BeforeCreateOrder", env: "prod" },
      deps,
    );
    expect(cleared).toMatchObject({ cleared: true, extension: "order-guard" });
    const list = await listDomainBindings(
      { ...flags, client: fake.client, env: "prod", domain: "orders" },
      deps,
    );
    expect(list.bindings).toHaveLength(1);
    expect(fake.requests.map(([m]) => m)).toEqual(["set", "clear", "list"]);
    expect(fake.requests[2]?.[1]).toMatchObject({ env: Environment.PROD, domain: "orders" });
  });

  it("refuse a bad --env or --domain before any call (invalid_argument)", async () => {
    const fake = fakeRegistry();
    await expect(
      bindDomainPoint(
        { ...flags, client: fake.client, point: "orders/BeforeCreateOrder", extension: "x", env: "qa" },
        deps,
      ),
    ).rejects.toMatchObject({ code: "invalid_argument" });
    await expect(
      listDomainBindings({ ...flags, client: fake.client, domain: "Orders!" }, deps),
    ).rejects.toMatchObject({
      code: "invalid_argument",
    });
    expect(fake.requests).toEqual([]);
  });
});

describe("ameide-ext bind / bindings", () => {
  const run = async (argv: string[]) => {
    const c = createCapturedDeps({ cwd: "/" });
    const code = await runCli(argv, c.deps);
    return { code, stdout: c.stdout(), stderr: c.stderr() };
  };
  const registry = ["--registry", "http://127.0.0.1:1", "--token", "t".repeat(20)];

  it("exits 2 with invalid_argument for a malformed point, a missing extension, or --clear with an extension", async () => {
    for (const argv of [
      ["bind", "orders:BeforeCreateOrder", "order-guard", "--env", "dev"],
      ["bind", "orders/BeforeCreateOrder", "--env", "dev"],
      ["bind", "--clear", "orders/BeforeCreateOrder", "order-guard", "--env", "dev"],
      ["bind", "--clear", "orders/BeforeCreateOrder", "--version", "2", "--env", "dev"],
      ["bindings", "--env", "qa"],
    ]) {
      const r = await run([...argv, ...registry, "--json"]);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(JSON.parse(r.stdout), argv.join(" ")).toMatchObject({
        ok: false,
        error: { code: "invalid_argument" },
      });
    }
  });

  it("needs --env to bind (a usage error)", async () => {
    expect((await run(["bind", "orders/BeforeCreateOrder", "order-guard", ...registry])).code).toBe(2);
  });

  it("takes --version as the bound version, not the CLI's own --version", async () => {
    const r = await run([
      "bind",
      "orders/BeforeCreateOrder",
      "order-guard",
      "--env",
      "dev",
      "--version",
      "2",
      ...registry,
      "--json",
    ]);
    // It reached for the (absent) registry: the flag was the command's.
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: "unavailable" } });
  });
});
