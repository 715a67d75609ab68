// Issue 15 §2: a replay report as a promotion gate, end to end: a runtime process records invocations, the
// registry (a real server, its config requiring a report for dev + high, as the dev stack only has dev) refuses
// the promotion, the CLI replays the recordings against the version and attaches the report, and then the
// promotion goes through with the summary on its events, in `status` and on the review page.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type CliDeps,
  createNodeDeps,
  createRegistryClient,
  type OutputStream,
  runCli,
} from "@ameide-ext/cli";
import { Environment, ExtensionEventType, Outcome, WasmExtensionRuntime } from "@ameide-ext/proto";
import {
  buildTestHook,
  createLocalTokenIssuer,
  invokeRequest,
  type RuntimeProcess,
  spawnRuntime,
  writeModule,
} from "@ameide-ext/runtime/testing/service";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Caller } from "./domain/registry.js";
import { checkRegistryConfig } from "./service/registry-config.js";
import { type RunningRegistry, startRegistry } from "./service/start-registry.js";

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

function capture(): { stream: OutputStream; text: () => string } {
  let text = "";
  return {
    stream: {
      write: (t: string) => {
        text += t;
      },
      isTTY: false,
      columns: undefined,
    },
    text: () => text,
  };
}

const ANN = "ann-token-0123456789abcdef";
const BOB = "bob-token-0123456789abcdef";
const BOT = "bot-token-0123456789abcdef";
const ann: Caller = { actor: "user:ann", tenants: ["acme"] };

describe("a replay report as a promotion gate (registry server, runtime process, CLI)", () => {
  let work: string;
  let rt: RuntimeProcess;
  let registry: RunningRegistry;
  let runtimeToken: string;

  const cli = async (argv: string[], token = ANN): Promise<Captured> => {
    const out = capture();
    const err = capture();
    const env = { HOME: work, NO_COLOR: "1", PATH: process.env.PATH ?? "" };
    const deps: CliDeps = { ...createNodeDeps(), stdout: out.stream, stderr: err.stream, cwd: work, env };
    const code = await runCli(
      [
        ...argv,
        "--tenant",
        "acme",
        ...(argv[0] === "replay" ? ["--runtime", rt.url as string, "--runtime-token", runtimeToken] : []),
        "--registry",
        registry.url,
        "--token",
        token,
      ],
      deps,
    );
    return { code, stdout: out.text(), stderr: err.text() };
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-replay-gate-"));
    const issuer = await createLocalTokenIssuer({ dir: work });
    const v1 = await writeModule(work, "echo-1", await buildTestHook("echo", "1"));
    const v2 = await writeModule(work, "echo-2", await buildTestHook("echo", "2"));
    const entry = (version: string, ref: string) => ({
      tenant_id: "acme",
      extension_id: "echo",
      version,
      kind: "process_hook",
      risk_tier: "high",
      wasm_blob_ref: ref,
      limits: { timeout_ms: 5_000 },
      recording: { sample: 1 },
    });
    const catalog = join(work, "catalog.json");
    await writeFile(
      catalog,
      JSON.stringify({
        env: "dev",
        runtime: { pool: { size: 1 }, auth: issuer.auth, store: { root: work } },
        latest: { "acme/echo": "1" },
        extensions: [entry("1", v1), entry("2", v2)],
      }),
    );
    rt = await spawnRuntime(catalog, ["--port", "0"]);
    runtimeToken = await issuer.mint({ subject: "acme-svc", tenants: ["acme"] });

    const config = checkRegistryConfig(
      {
        database: ":memory:",
        listen: { host: "127.0.0.1", port: 0 },
        auth: {
          tokens: [
            { token: ANN, identity: "user:ann", tenants: ["acme"] },
            { token: BOB, identity: "user:bob", tenants: ["acme"] },
            { token: BOT, identity: "agent:l2o", tenants: ["acme"] },
          ],
        },
        governance: {
          agents: { "agent:l2o": { max_risk_tier: "high" } },
          replay_required: { envs: ["dev"], risk_tiers: ["high"] },
        },
      },
      work,
    );
    registry = await startRegistry({ config, logger: pino({ level: "silent" }) });
    // Versions 1 and 2 of echo (high tier), compiled: the compile worker is not what this test is about, so
    // the store records their compile as the worker would (the modules are the runtime's above).
    for (const version of ["1", "2"]) {
      await registry.registry.createDraft(ann, {
        tenantId: "acme",
        extensionId: "echo",
        kind: "process_hook",
        riskTier: "high",
      });
      await registry.store.transaction(async (tx) => {
        const rev = await tx.getRevision("acme", "echo", version, true);
        if (!rev) throw new Error(`no version ${version}`);
        await tx.updateRevision({
          ...rev,
          compile: {
            status: "succeeded",
            toolchain: "t",
            diagnostics: [],
            tests: [],
            moduleBytes: 1,
            startedAt: rev.createdAt,
            finishedAt: rev.createdAt,
          },
        });
      });
    }
  }, 180_000);

  afterAll(async () => {
    await rt?.stop("SIGKILL");
    await registry?.close(0);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("refuses the promotion without a report, attaches one from the CLI's replay, then shows and stores it", async () => {
    const runtime = createClient(
      WasmExtensionRuntime,
      createConnectTransport({
        baseUrl: rt.url as string,
        httpVersion: "1.1",
        interceptors: [
          (next) => (req) => {
            req.header.set("authorization", `Bearer ${runtimeToken}`);
            return next(req);
          },
        ],
      }),
    );
    for (const input of [{ amount: 1 }, { amount: 2 }, { mode: "fail" }]) {
      const r = await runtime.invokeExtension(invokeRequest({ extensionId: "echo", input }));
      expect([Outcome.OK, Outcome.BUSINESS_ERROR, Outcome.TECHNICAL_ERROR]).toContain(r.outcome);
    }
    for (let i = 0; ; i++) {
      const res = await fetch(`${rt.url}/v1/recordings?tenant=acme&extension=echo`, {
        headers: { authorization: `Bearer ${runtimeToken}` },
      });
      if (((await res.json()) as { recordings: string[] }).recordings.length >= 3) break;
      if (i > 100) throw new Error("the runtime recorded fewer than 3 invocations");
      await new Promise((r) => setTimeout(r, 50));
    }

    const client = createRegistryClient({ url: registry.url, token: BOB });
    const key = { tenantId: "acme", extensionId: "echo", version: "2" };
    const refused = await client.requestPromotion({ ...key, targetEnv: Environment.DEV }).then(
      () => undefined,
      (e: unknown) => e as { code?: string; details?: Record<string, unknown> },
    );
    expect(refused).toMatchObject({
      code: "failed_precondition",
      details: {
        rule: "replay_required",
        fix: "ameide-ext replay --from runtime --extension echo --against 2 --attach --env dev",
      },
    });

    // An agent attaches in dev only: a rule refusal, exit 3.
    const agent = await cli(
      [
        "replay",
        "--from",
        "runtime",
        "--extension",
        "echo",
        "--against",
        "2",
        "--attach",
        "--env",
        "prod",
        "--json",
      ],
      BOT,
    );
    expect(agent.code, agent.stderr).toBe(3);
    expect(JSON.parse(agent.stdout)).toMatchObject({
      ok: false,
      error: { details: { rule: "agent_cannot_rollback" } },
    });

    const attached = await cli([
      "replay",
      "--from",
      "runtime",
      "--extension",
      "echo",
      "--against",
      "2",
      "--attach",
      "--env",
      "dev",
      "--json",
    ]);
    expect(attached.code, attached.stderr).toBe(0);
    const doc = JSON.parse(attached.stdout) as {
      changed: number;
      attached: { summary: string; env: string };
    };
    expect(doc.attached).toMatchObject({ env: "dev", attachedBy: "user:ann" });
    expect(doc.attached.summary).toBe(
      `version 2 changes ${doc.changed} of the last 3 recorded dev decisions`,
    );

    const promo = await client.requestPromotion({ ...key, targetEnv: Environment.DEV });
    expect(promo.revision?.replayReports.map((r) => r.summary)).toEqual([doc.attached.summary]);
    const status = await cli(["status", "--extension", "echo"]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`replay for dev: ${doc.attached.summary} (attached by user:ann)`);

    // The review page shows it on the version page, to the reviewer who signs in.
    const signInPage = await fetch(`${registry.url}/review`);
    const pre = signInPage.headers.getSetCookie().find((c) => c.startsWith("ameide_review_signin="));
    const csrf = /name="csrf" value="([^"]+)"/.exec(await signInPage.text())?.[1] ?? "";
    const signedIn = await fetch(`${registry.url}/review/sign-in`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: pre?.split(";")[0] ?? "" },
      body: new URLSearchParams({ csrf, token: BOB }).toString(),
    });
    const session = signedIn.headers.getSetCookie().find((c) => c.startsWith("ameide_review="));
    const html = await (
      await fetch(`${registry.url}/review/t/acme/x/echo/v/2`, {
        headers: { cookie: session?.split(";")[0] ?? "" },
      })
    ).text();
    expect(html).toMatch(
      new RegExp(`id="replay-reports"[\\s\\S]*data-env="dev"><strong>dev</strong>: ${doc.attached.summary}`),
    );

    const approved = await client.approve({ ...key, env: Environment.DEV });
    expect(approved.revision?.pendingPromotion).toBeUndefined();
    const events = await client.listEvents({ tenantId: "acme", extensionId: "echo" });
    const withSummary = events.events
      .filter((e) => e.version === "2" && e.replaySummary !== "")
      .map((e) => e.type);
    expect(withSummary).toEqual([
      ExtensionEventType.PROMOTION_REQUESTED,
      ExtensionEventType.APPROVED,
      ExtensionEventType.VERSION_PROMOTED,
    ]);
  }, 180_000);
});
