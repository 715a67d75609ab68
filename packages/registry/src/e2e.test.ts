// Spec 479 §7 on one machine, through the real CLI, the registry over Connect and the runtime service:
// scaffold, build and test, promote a low-risk hook to dev (automatic), invoke it with the SDK, ship a
// new version, roll back, invoke again; and governance refusals as a client sees them.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type CliDeps,
  createNodeDeps,
  type DevStack,
  type OutputStream,
  runCli,
  startDevStack,
} from "@ameide-ext/cli";
import {
  createDomainExtensions,
  createRegistryConfigStore,
  createRuntimeClient,
  defineExtensionPoints,
  userContext,
} from "@ameide-ext/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

function capture(): { stream: OutputStream; text: () => string } {
  let text = "";
  const write = (t: string) => {
    text += t;
  };
  return { stream: { write, isTTY: false, columns: undefined }, text: () => text };
}

describe("the §7 lifecycle, end to end", () => {
  let work: string;
  let stack: DevStack;
  let env: Record<string, string>;

  const cli = async (argv: string[], extraEnv: Record<string, string> = {}): Promise<Captured> => {
    const out = capture();
    const err = capture();
    const deps: CliDeps = {
      ...createNodeDeps(),
      stdout: out.stream,
      stderr: err.stream,
      cwd: work,
      env: { ...env, ...extraEnv },
    };
    const code = await runCli(argv, deps);
    return { code, stdout: out.text(), stderr: err.text() };
  };
  const json = (r: Captured) => JSON.parse(r.stdout) as Record<string, unknown>;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-e2e-"));
    const deps: CliDeps = {
      ...createNodeDeps(),
      cwd: work,
      stdout: capture().stream,
      stderr: capture().stream,
    };
    stack = await startDevStack(
      { dir: join(work, ".stack"), registryPort: 0, runtimePort: 0, logLevel: "silent" },
      deps,
    );
    env = { AMEIDE_CONFIG: stack.configFile, PATH: process.env.PATH ?? "", HOME: work, NO_COLOR: "1" };
  });
  afterAll(async () => {
    await stack?.close();
    await rm(work, { recursive: true, force: true });
  });

  it("scaffold → build and test → promote to dev (auto) → invoke → new version → rollback → invoke", async () => {
    const hook = join(work, "hooks", "deal-guard");
    expect((await cli(["new", "deal-guard", "--kind", "process_hook", "--dir", hook])).code).toBe(0);
    expect((await cli(["test", hook])).code).toBe(0);

    const first = await cli(["promote", hook, "--env", "dev", "--json"]);
    expect(first.code, first.stderr).toBe(0);
    expect(json(first)).toMatchObject({
      ok: true,
      extension: "deal-guard",
      version: "1",
      created: true,
      state: "promoted_dev",
      reached: true,
      deployments: { dev: "1" },
      gate: null,
    });
    // Promoting the same sources again changes nothing.
    expect(json(await cli(["promote", hook, "--env", "dev", "--json"]))).toMatchObject({
      version: "1",
      created: false,
    });

    const runtime = createRuntimeClient({
      baseUrl: stack.runtimeUrl,
      httpVersion: "1.1",
      token: () => stack.runtimeToken,
    });
    const ctx = userContext({ tenantId: "local", userId: "u1" });
    const deal = { dealId: "D-1", amount: 30_000, marginPct: 5 };
    const invoke = async (want: string) => {
      // The runtime picks the catalog change up from the file, without a restart.
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          const r = await runtime.invoke<{ route: string }>({ extensionId: "deal-guard", ctx, input: deal });
          if (r.outcome === "ok" && r.output.route === want) return r;
        } catch (cause) {
          if (Date.now() > deadline) throw cause;
        }
        if (Date.now() > deadline) throw new Error(`the runtime did not answer route ${want}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await invoke("standard");

    // Version 2: a 20k threshold; the fixtures follow (test --update), then it ships to dev.
    const src = join(hook, "src", "index.ts");
    await writeFile(
      src,
      (await readFile(src, "utf8")).replace(
        "AMOUNT_THRESHOLD: f64 = 50_000",
        "AMOUNT_THRESHOLD: f64 = 20_000",
      ),
    );
    expect((await cli(["test", hook, "--update"])).code).toBe(0);
    const second = await cli(["promote", hook, "--env", "dev", "--json"]);
    expect(json(second)).toMatchObject({
      ok: true,
      version: "2",
      state: "promoted_dev",
      deployments: { dev: "2" },
    });
    await invoke("extra_approval");

    const back = await cli([
      "rollback",
      "deal-guard",
      "--env",
      "dev",
      "--to",
      "1",
      "--comment",
      "v2 routes too much",
      "--json",
    ]);
    expect(json(back)).toMatchObject({ ok: true, env: "dev", from: "2", to: "1" });
    await invoke("standard");
    // Older versions stay available by number.
    const v2 = await runtime.invoke<{ route: string }>({
      extensionId: "deal-guard",
      version: "2",
      ctx,
      input: deal,
    });
    expect(v2).toMatchObject({ outcome: "ok", output: { route: "extra_approval" } });

    const status = json(await cli(["status", hook, "--json"]));
    expect(status).toMatchObject({ latestVersion: "2", deployments: { dev: "1" } });
    expect(
      (status.versions as Array<{ version: string; state: string }>).map((v) => `${v.version}:${v.state}`),
    ).toEqual(["2:promoted_dev", "1:promoted_dev"]);
    const catalog = JSON.parse(await readFile(stack.catalog, "utf8")) as {
      latest: Record<string, string>;
      extensions: unknown[];
    };
    expect(catalog.latest).toEqual({ "local/deal-guard": "1" });
    expect(catalog.extensions).toHaveLength(2);
    runtime.close();
  });

  it("a TypeScript hook: promote to dev (auto, compiled with its pinned toolchain) → invoke", async () => {
    const hook = join(work, "hooks", "deal-ts");
    const args = ["new", "deal-ts", "--kind", "process_hook", "--lang", "typescript", "--dir", hook];
    expect((await cli(args)).code).toBe(0);
    const promoted = await cli(["promote", hook, "--env", "dev", "--json"]);
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(json(promoted)).toMatchObject({
      ok: true,
      extension: "deal-ts",
      version: "1",
      state: "promoted_dev",
      deployments: { dev: "1" },
      compile: {
        status: "succeeded",
        toolchain: expect.stringMatching(/^typescript@\S+ esbuild@\S+ componentize-qjs@\S+$/),
      },
    });

    const runtime = createRuntimeClient({
      baseUrl: stack.runtimeUrl,
      httpVersion: "1.1",
      token: () => stack.runtimeToken,
    });
    const ctx = userContext({ tenantId: "local", userId: "u1" });
    const deadline = Date.now() + 10_000;
    for (;;) {
      // The runtime picks the catalog change up from the file, without a restart.
      const r = await runtime
        .invoke<{ route: string }>({ extensionId: "deal-ts", ctx, input: { amount: 72_000, marginPct: 8.5 } })
        .catch((cause: unknown) => cause);
      if (Date.now() > deadline || !(r instanceof Error)) {
        expect(r).toMatchObject({
          outcome: "ok",
          output: { route: "extra_approval", reasons: ["amount>50000", "margin<10"] },
        });
        break;
      }
      await new Promise((done) => setTimeout(done, 50));
    }
    runtime.close();
  });

  // Issue #10: the attack that let an agent approve as a human. Its hook imports host files; the registry's
  // build refuses each import, and nothing the agent gets back carries a byte of them.
  it("refuses an agent's hook that imports /etc/passwd, /proc/self/environ and the stack's tokens.json", async () => {
    const hook = join(work, "hooks", "exfil");
    expect(
      (await cli(["new", "exfil", "--kind", "process_hook", "--lang", "typescript", "--dir", hook])).code,
    ).toBe(0);
    const entry = join(hook, "src", "index.ts");
    const imports = ["/etc/passwd", "/proc/self/environ", join(stack.dir, "tokens.json")];
    await writeFile(
      entry,
      [
        ...imports.map((file, i) => `import f${i} from ${JSON.stringify(file)} with { type: "text" };`),
        "export const leaked = [f0, f1, f2].join();",
        await readFile(entry, "utf8"),
      ].join("\n"),
    );
    process.env.AMEIDE_REGISTRY_JWT_SECRET = "registry-secret-in-the-environment";
    const agent = { AMEIDE_TOKEN: stack.tokens["agent:dev"] as string };
    const promoted = await cli(["promote", hook, "--env", "dev", "--json"], agent);
    delete process.env.AMEIDE_REGISTRY_JWT_SECRET;
    const doc = json(promoted) as { ok: boolean; compile: { status: string; diagnostics: unknown[] } };
    expect(doc).toMatchObject({ ok: false, compile: { status: "failed" } });
    expect(doc.compile.diagnostics).toEqual(
      imports.map((_, i) =>
        expect.objectContaining({
          step: "build",
          reason: "forbidden_import",
          path: "src/index.ts",
          line: i + 1,
        }),
      ),
    );
    const seen = promoted.stdout + promoted.stderr;
    for (const secret of ["root:x:0:0", "registry-secret-in-the-environment", ...Object.values(stack.tokens)])
      expect(seen).not.toContain(secret);
    // The registry keeps serving.
    expect((await fetch(`${stack.registryUrl}/healthz`)).status).toBe(200);
  });

  it("refuses, naming the rule: no token, an agent approving, an author approving their own version", async () => {
    const hook = join(work, "hooks", "risk-rule");
    expect(
      (await cli(["new", "risk-rule", "--kind", "process_hook", "--dir", hook, "--risk-tier", "medium"]))
        .code,
    ).toBe(0);

    const anon = await cli(["status", hook, "--json", "--token", "not-a-known-token-at-all"]);
    expect(anon.code).toBe(1);
    expect(json(anon)).toMatchObject({
      ok: false,
      error: { code: "unauthenticated", details: { rule: "unauthenticated" } },
    });

    const me = Object.keys(stack.tokens)[0] as string;
    const agent = { AMEIDE_TOKEN: stack.tokens["agent:dev"] as string };
    // agent:dev may create low-risk extensions only (the default): a refusal by rule exits 3.
    const tooRisky = await cli(["promote", hook, "--env", "dev", "--json"], agent);
    expect(tooRisky.code).toBe(3);
    expect(json(tooRisky)).toMatchObject({
      error: { code: "permission_denied", details: { rule: "agent_risk_tier", limit: "low" } },
    });

    // Stopped at a gate: exit 1 with reason "gated", and the gate says who may approve.
    const submitted = await cli(["promote", hook, "--env", "staging", "--json"]);
    expect(submitted.code, submitted.stderr).toBe(1);
    expect(json(submitted)).toMatchObject({
      ok: false,
      reason: "gated",
      state: "in_review",
      reached: false,
      gate: {
        env: "dev",
        rule: "approvals_required",
        approvalsRequired: 1,
        author: me,
        mayApprove: { eligible: ["user:reviewer"], excluded: [me], approvers: [] },
      },
    });
    const status = json(await cli(["status", hook, "--json"])) as { versions: unknown[] };
    expect(status.versions[0]).toMatchObject({
      pending: { env: "dev", mayApprove: { eligible: ["user:reviewer"], excluded: [me] } },
    });
    const plain = await cli(["promote", hook, "--env", "staging"]);
    expect(plain.code).toBe(1);
    expect(plain.stdout).toContain("user:reviewer");

    const byAgent = await cli(["approve", "risk-rule", "1", "--env", "dev", "--json"], agent);
    expect(byAgent.code).toBe(3);
    expect(json(byAgent)).toMatchObject({
      error: { code: "permission_denied", details: { rule: "agent_cannot_approve" } },
    });
    const byAuthor = await cli(["approve", "risk-rule", "1", "--env", "dev", "--json"]);
    expect(byAuthor.code).toBe(3);
    expect(json(byAuthor)).toMatchObject({
      error: {
        code: "permission_denied",
        details: {
          rule: "self_approval",
          mayApprove: { eligible: ["user:reviewer"] },
          fix: expect.stringContaining("user:reviewer"),
        },
      },
    });
    const reviewer = { AMEIDE_TOKEN: stack.tokens["user:reviewer"] as string };
    const approved = await cli(
      ["approve", "risk-rule", "1", "--env", "dev", "--comment", "ok", "--json"],
      reviewer,
    );
    expect(json(approved)).toMatchObject({
      ok: true,
      promoted: true,
      state: "promoted_dev",
      deployments: { dev: "1" },
      next: expect.stringContaining("promote <dir> --env staging"),
    });
    const again = await cli(["approve", "risk-rule", "1", "--env", "dev", "--json"], reviewer);
    expect(again.code).toBe(3);
    expect(json(again)).toMatchObject({
      error: { code: "failed_precondition", details: { rule: "no_pending_promotion" } },
    });

    // The same promote again continues where it stopped: dev is done, staging waits for its approval.
    const onward = await cli(["promote", hook, "--env", "staging", "--json"]);
    expect(onward.code, onward.stderr).toBe(1);
    expect(json(onward)).toMatchObject({
      created: false,
      reason: "gated",
      state: "promoted_dev",
      gate: { env: "staging", mayApprove: { eligible: ["user:reviewer"] } },
    });
    await cli(["approve", "risk-rule", "1", "--env", "staging", "--json"], reviewer);
    const reached = await cli(["promote", hook, "--env", "staging", "--json"]);
    expect(reached.code, reached.stderr).toBe(0);
    expect(json(reached)).toMatchObject({ ok: true, reason: null, reached: true, gate: null });
  });

  it("binds a domain extension point with the CLI; the domain reads it from the registry and runs the hook (§4.2)", async () => {
    const hook = join(work, "hooks", "order-guard");
    expect((await cli(["new", "order-guard", "--kind", "domain_hook", "--dir", hook])).code).toBe(0);
    const promoted = await cli(["promote", hook, "--env", "dev", "--json"]);
    expect(promoted.code, promoted.stderr).toBe(0);

    const point = ["orders/BeforeCreateOrder", "order-guard"];
    const bound = await cli(["bind", ...point, "--env", "dev", "--comment", "pilot", "--json"]);
    expect(bound.code, bound.stderr).toBe(0);
    expect(json(bound)).toMatchObject({
      ok: true,
      tenant: "local",
      cleared: false,
      env: "dev",
      domain: "orders",
      point: "BeforeCreateOrder",
      extension: "order-guard",
      version: "latest",
    });
    const refused = await cli(["bind", ...point, "--env", "staging", "--version", "1", "--json"]);
    expect(refused.code).toBe(3);
    expect(json(refused)).toMatchObject({
      ok: false,
      error: { code: "failed_precondition", details: { rule: "not_promoted_to_env" } },
    });
    expect(json(await cli(["bindings", "--env", "dev", "--json"]))).toMatchObject({
      ok: true,
      bindings: [{ env: "dev", domain: "orders", point: "BeforeCreateOrder", extension: "order-guard" }],
    });

    // The Orders domain: its bindings from the registry, its hook through the runtime.
    const me = Object.keys(stack.tokens)[0] as string;
    const configs = createRegistryConfigStore({
      baseUrl: stack.registryUrl,
      token: () => stack.tokens[me] as string,
      env: "dev",
      domain: "orders",
    });
    const runtime = createRuntimeClient({
      baseUrl: stack.runtimeUrl,
      httpVersion: "1.1",
      token: () => stack.runtimeToken,
    });
    const orders = createDomainExtensions({ client: runtime, domain: "orders", configs });
    const points = defineExtensionPoints({ BeforeCreateOrder: { kind: "before", deadlineMs: 5_000 } });
    const ctx = userContext({ tenantId: "local", userId: "u1", correlationId: "order-SO-1" });
    const { input, expected } = JSON.parse(
      await readFile(join(hook, "tests", "valid-order.json"), "utf8"),
    ) as { input: Record<string, unknown>; expected: { derivedFields: Record<string, unknown> } };
    const create = () =>
      orders.around(points.BeforeCreateOrder, ctx, input, async (order) => ({ stored: order }));
    const deadline = Date.now() + 10_000;
    for (;;) {
      // The runtime picks the catalog change up from the file, without a restart.
      const r = await create().catch((cause: unknown) => cause);
      if (Date.now() > deadline || !(r instanceof Error)) {
        expect(r).toMatchObject({ result: { stored: { ...input, ...expected.derivedFields } } });
        break;
      }
      await new Promise((done) => setTimeout(done, 50));
    }

    const cleared = await cli(["bind", "--clear", "orders/BeforeCreateOrder", "--env", "dev", "--json"]);
    expect(json(cleared)).toMatchObject({ ok: true, cleared: true, extension: "order-guard" });
    await configs.refresh();
    // No binding: the command runs untouched.
    expect(await create()).toEqual({ result: { stored: input }, messages: [] });
    expect(json(await cli(["bindings", "--json"]))).toMatchObject({ ok: true, bindings: [] });
    configs.close();
    runtime.close();
  });
});
