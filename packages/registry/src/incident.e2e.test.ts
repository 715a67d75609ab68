// Spec 479 §6.5 incident response on the dev stack, through the real CLI, the registry over Connect and the
// runtime service: the kill switch (disable, enable), pins reaching the runtime, and an SLO that rolls back.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type CliDeps,
  createNodeDeps,
  createRegistryClient,
  type DevStack,
  type OutputStream,
  runCli,
  startDevStack,
} from "@ameide-ext/cli";
import { Environment } from "@ameide-ext/proto";
import { createRuntimeClient, type RuntimeClient, userContext } from "@ameide-ext/sdk";
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

/** Retries `probe` until it returns true (the runtime reloads the catalog from its file), for at most 10 s. */
async function eventually(what: string, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("incident response on the dev stack", () => {
  let work: string;
  let stack: DevStack;
  let env: Record<string, string>;
  let runtime: RuntimeClient;

  const cli = async (argv: string[]): Promise<Captured> => {
    const out = capture();
    const err = capture();
    const deps: CliDeps = { ...createNodeDeps(), stdout: out.stream, stderr: err.stream, cwd: work, env };
    const code = await runCli(argv, deps);
    return { code, stdout: out.text(), stderr: err.text() };
  };
  const json = (r: Captured) => JSON.parse(r.stdout) as Record<string, unknown>;
  const ctx = userContext({ tenantId: "local", userId: "u1" });
  /** The outcome of one invocation of `latest`: "ok", or the technical error's "code/reason". */
  const outcomeOf = async (extensionId: string, input: unknown = {}): Promise<string> => {
    try {
      const r = await runtime.invoke({ extensionId, ctx, input });
      return r.outcome;
    } catch (cause) {
      const e = cause as { code?: string; reason?: string };
      return `${e.code}/${e.reason}`;
    }
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-incident-"));
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
    runtime = createRuntimeClient({
      baseUrl: stack.runtimeUrl,
      httpVersion: "1.1",
      token: () => stack.runtimeToken,
    });
  });
  afterAll(async () => {
    runtime?.close();
    await stack?.close();
    await rm(work, { recursive: true, force: true });
  });

  it("disable switches the extension off in the runtime (failed_precondition/disabled), enable on again", async () => {
    const hook = join(work, "hooks", "kill-me");
    expect((await cli(["new", "kill-me", "--kind", "process_hook", "--dir", hook])).code).toBe(0);
    const promoted = await cli(["promote", hook, "--env", "dev", "--json"]);
    expect(promoted.code, promoted.stderr).toBe(0);
    const input = { dealId: "D-1", amount: 30_000, marginPct: 5 };
    await eventually("v1 to run", async () => (await outcomeOf("kill-me", input)) === "ok");

    const off = await cli([
      "disable",
      "kill-me",
      "--env",
      "dev",
      "--version",
      "1",
      "--reason",
      "INC-1",
      "--json",
    ]);
    expect(off.code, off.stderr).toBe(0);
    expect(json(off)).toMatchObject({
      ok: true,
      env: "dev",
      version: "1",
      disabled: true,
      disabledVersions: ["1"],
    });
    await eventually(
      "the kill switch",
      async () => (await outcomeOf("kill-me", input)) === "failed_precondition/disabled",
    );

    // No reason: a usage error, and nothing changes.
    const bare = await cli(["disable", "kill-me", "--env", "dev", "--json"]);
    expect(bare.code).toBe(2);

    const on = await cli([
      "enable",
      "kill-me",
      "--env",
      "dev",
      "--version",
      "1",
      "--reason",
      "INC-1 fixed",
      "--json",
    ]);
    expect(json(on)).toMatchObject({ ok: true, disabled: false, disabledVersions: [] });
    await eventually("the release", async () => (await outcomeOf("kill-me", input)) === "ok");

    const again = await cli([
      "enable",
      "kill-me",
      "--env",
      "dev",
      "--version",
      "1",
      "--reason",
      "twice",
      "--json",
    ]);
    expect(json(again)).toMatchObject({ ok: false, error: { code: "not_found" } });
  });

  it("a pinned process gets its pinned version for latest; other consumers get the active one", async () => {
    const hook = join(work, "hooks", "pin-me");
    expect((await cli(["new", "pin-me", "--kind", "process_hook", "--dir", hook])).code).toBe(0);
    expect((await cli(["promote", hook, "--env", "dev", "--json"])).code).toBe(0);
    const src = join(hook, "src", "index.ts");
    await writeFile(
      src,
      (await readFile(src, "utf8")).replace(
        "AMOUNT_THRESHOLD: f64 = 50_000",
        "AMOUNT_THRESHOLD: f64 = 20_000",
      ),
    );
    expect((await cli(["test", hook, "--update"])).code).toBe(0);
    expect(json(await cli(["promote", hook, "--env", "dev", "--json"]))).toMatchObject({ version: "2" });

    // The first token is the human the CLI config uses.
    const registry = createRegistryClient({
      url: stack.registryUrl,
      token: Object.values(stack.tokens)[0] as string,
    });
    await registry.pin({
      tenantId: stack.tenant,
      extensionId: "pin-me",
      env: Environment.DEV,
      consumerRef: "process:quote-to-cash",
      version: "1",
      comment: "q2c stays on v1 until its review",
    });
    const deal = { dealId: "D-1", amount: 30_000, marginPct: 5 };
    // What an Extension Task of process quote-to-cash sends (consumer-ref.test.ts in the SDK pins that).
    const routeFor = async (consumerRef: string | undefined) => {
      const r = await runtime.invoke<{ route: string }>({
        extensionId: "pin-me",
        ctx,
        input: deal,
        consumerRef,
      });
      return r.outcome === "ok" ? `v${r.resolvedVersion}:${r.output.route}` : r.outcome;
    };
    // Both in force: v2 active for everyone (the catalog reloaded after the promotion) and the pin.
    await eventually(
      "the promotion of v2 and the pin to reach the runtime",
      async () =>
        (await routeFor("process:quote-to-cash")) === "v1:standard" &&
        (await routeFor(undefined)) === "v2:extra_approval",
    );
    expect(await routeFor("process:order-to-cash")).toBe("v2:extra_approval");
    expect(await routeFor(undefined)).toBe("v2:extra_approval");
  });

  it("a version that starts failing burns its SLO fast, and the registry rolls dev back, naming the SLO", async () => {
    const hook = join(work, "hooks", "slo-guarded");
    expect((await cli(["new", "slo-guarded", "--kind", "process_hook", "--dir", hook])).code).toBe(0);
    const manifestFile = join(hook, "extension.json");
    const manifest = JSON.parse(await readFile(manifestFile, "utf8")) as Record<string, unknown>;
    manifest.slo = { error_rate: 0.01, window: "1h", auto_rollback: true };
    await writeFile(manifestFile, JSON.stringify(manifest, null, 2));
    expect((await cli(["promote", hook, "--env", "dev", "--json"])).code).toBe(0);
    // Version 2 traps on a flag in its input: a bug that shows on some inputs only.
    const src = join(hook, "src", "index.ts");
    await writeFile(
      src,
      (await readFile(src, "utf8")).replace(
        "const deal = parsed.value;",
        'const deal = parsed.value;\n  if (deal.has("explode")) unreachable();',
      ),
    );
    const second = await cli(["promote", hook, "--env", "dev", "--json"]);
    expect(json(second), second.stderr).toMatchObject({ version: "2", deployments: { dev: "2" } });
    const catalog = JSON.parse(await readFile(stack.catalog, "utf8")) as {
      extensions: Array<{ extension_id: string; version: string; slo?: unknown }>;
    };
    expect(
      catalog.extensions.find((e) => e.extension_id === "slo-guarded" && e.version === "2")?.slo,
    ).toEqual({
      error_rate: 0.01,
      window: "1h",
      auto_rollback: true,
    });

    const deal = { dealId: "D-1", amount: 30_000, marginPct: 5 };
    const resolved = async (input: unknown) => {
      try {
        const r = await runtime.invoke({ extensionId: "slo-guarded", ctx, input });
        return `v${r.resolvedVersion}:${r.outcome}`;
      } catch (cause) {
        const e = cause as { code?: string; reason?: string };
        return `${e.code}/${e.reason}`;
      }
    };
    await eventually("v2 to run", async () => (await resolved(deal)) === "v2:ok");
    // Half the deals explode: 50× the budget of a 1% SLO.
    const seen = new Set<string>();
    for (let i = 0; i < 24; i++) seen.add(await resolved(i % 2 === 0 ? { ...deal, explode: true } : deal));
    expect(seen).toContain("resource_exhausted/trap");
    // The registry rolled dev back to v1: latest runs v1 again once the runtime reloads.
    await eventually("the rollback", async () => (await resolved(deal)) === "v1:ok");
    const registry = createRegistryClient({
      url: stack.registryUrl,
      token: Object.values(stack.tokens)[0] as string,
    });
    const events = (await registry.listEvents({ tenantId: stack.tenant, extensionId: "slo-guarded" })).events;
    const back = events.at(-1);
    expect(back).toMatchObject({ actor: "service:runtime", version: "1", previousVersion: "2" });
    expect(back?.comment).toContain("SLO error_rate 0.01, window 1h");

    // The runtime's service credential does nothing else.
    const service = createRegistryClient({
      url: stack.registryUrl,
      token: stack.serviceToken,
    });
    await expect(
      service.getExtension({ tenantId: stack.tenant, extensionId: "slo-guarded" }),
    ).rejects.toMatchObject({
      code: "permission_denied",
      details: { rule: "service_scope" },
    });
  });
});
