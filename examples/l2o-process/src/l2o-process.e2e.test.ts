// The L2O process end to end, as the script runs it: l2o.bpmn read with readExtensionTasks, its Extension Task
// run by the SDK's Temporal activity function (MockActivityEnvironment, no Temporal server) against the
// AssemblyScript process_hook template as acme's `deal-approval` in a real runtime service over Connect,
// then the gateway or the boundary error event. One deal per path: standard, extra approval, invalid.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  createCatalog,
  createLocalTokenIssuer,
  createRuntime,
  type RuntimeServer,
  startRuntimeServer,
} from "@ameide-ext/runtime";
import { buildTestHook, captureLogger, writeModule } from "@ameide-ext/runtime/testing/service";
import { createRuntimeClient } from "@ameide-ext/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT, runL2oCommand } from "./l2o-command.js";
import type { L2oRun } from "./l2o-flow.js";
import { readL2oBpmn } from "./read-check-deal.js";
import { runDeals } from "./run-deals.js";

const REPO_ROOT = join(import.meta.dirname, "..", "..", "..");
const PATHS = {
  "D-1001": ["deal-submitted", "check-deal", "route-deal", "deal-approved"],
  "D-1042": ["deal-submitted", "check-deal", "route-deal", "extra-approval", "deal-approved"],
  "D-1099": ["deal-submitted", "check-deal", "deal-invalid", "fix-deal", "deal-returned"],
};

function captured() {
  const out = { stdout: "", stderr: "" };
  const io = {
    stdout: (t: string) => {
      out.stdout += t;
    },
    stderr: (t: string) => {
      out.stderr += t;
    },
    env: {},
  };
  return { out, io };
}

describe("the L2O process against a runtime service running deal-approval", () => {
  let dir: string;
  let server: RuntimeServer;
  let token: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-l2o-"));
    const issuer = await createLocalTokenIssuer({ dir });
    const ref = await writeModule(dir, "deal-approval", await buildTestHook("process-hook-template"));
    const runtime = await createRuntime({
      catalog: createCatalog({
        extensions: [
          {
            tenant_id: "acme",
            extension_id: "deal-approval",
            version: "1",
            kind: "process_hook",
            risk_tier: "low",
            wasm_blob_ref: ref,
            // The wall-clock limit is not what these tests check: room for a machine shared by many suites.
            limits: { timeout_ms: 2_000 },
          },
        ],
        runtime: { pool: { size: 1 }, auth: issuer.auth },
      }),
      logger: captureLogger("silent").logger,
      defaultMetrics: false,
    });
    await runtime.preload();
    server = await startRuntimeServer(runtime, { port: 0 });
    token = await issuer.mint({ subject: "l2o-process", tenants: ["acme", "globex"] });
  }, 120_000);

  afterAll(async () => {
    await server?.shutdown(1_000);
    await rm(dir, { recursive: true, force: true });
  });

  const flags = () => ["--url", server.url as string, "--token", token, "--tenant", "acme"];

  it("the script runs the three sample deals down the three paths", async () => {
    const { out, io } = captured();
    expect(await runL2oCommand([...flags(), "--json"], io)).toBe(EXIT.ok);
    const runs = JSON.parse(out.stdout) as L2oRun[];
    expect(Object.fromEntries(runs.map((r) => [(r.variables.deal as { id: string }).id, r.path]))).toEqual(
      PATHS,
    );
    expect(runs[0]?.variables).toMatchObject({ approval: { route: "standard", reasons: [] } });
    expect(runs[1]?.variables).toMatchObject({
      approval: { route: "extra_approval", reasons: ["amount>50000", "margin<10"] },
    });
    expect(runs[2]).toMatchObject({ end: "deal-returned", refusal: { code: "INVALID_DEAL" } });
    expect(out.stderr).toContain("D-1042: user task extra-approval completed by the script");
  });

  it("prints what the README shows for the sample deals", async () => {
    const readme = await readFile(join(import.meta.dirname, "..", "README.md"), "utf8");
    const shown = /```sh\n[^`]*npm run start[^`]*```\n\n```\n([\s\S]*?)```/.exec(readme)?.[1];
    const { out, io } = captured();
    expect(await runL2oCommand(flags(), io)).toBe(EXIT.ok);
    expect(out.stdout).toBe(shown);
  });

  it("the script prints one line per deal: its route or business error, and the path taken", async () => {
    const deal = '{"id":"D-7","amount":60000,"margin":0.05}';
    const { out, io } = captured();
    expect(await runL2oCommand([...flags(), "--deal", deal, "--deal", '{"id":"D-8","amount":1}'], io)).toBe(
      EXIT.ok,
    );
    const lines = out.stdout.trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^D-7\s+extra_approval\s+deal-submitted -> check-deal -> route-deal -> extra-approval/,
    );
    expect(lines[1]).toMatch(
      /^D-8\s+INVALID_DEAL\s+deal-submitted -> check-deal -> deal-invalid -> fix-deal/,
    );
  });

  it("the script takes the runtime, its token and the tenant from the environment too", async () => {
    const { out, io } = captured();
    const env = {
      AMEIDE_RUNTIME_URL: server.url as string,
      AMEIDE_RUNTIME_TOKEN: token,
      AMEIDE_TENANT: "acme",
    };
    expect(await runL2oCommand(["--deal", '{"id":"D-5","amount":10,"margin":0.3}'], { ...io, env })).toBe(
      EXIT.ok,
    );
    expect(out.stdout).toMatch(
      /^D-5\s+standard\s+deal-submitted -> check-deal -> route-deal -> deal-approved\n$/,
    );
  });

  it("a tenant without the extension fails the instance: not_found, no boundary event, exit 1", async () => {
    const client = createRuntimeClient({ baseUrl: server.url as string, token: () => token });
    const p = runDeals({
      client,
      xml: await readL2oBpmn(),
      deals: [{ id: "D-1", amount: 1, margin: 0.5 }],
      process: { tenantId: "globex" },
    });
    await expect(p).rejects.toMatchObject({
      name: "ApplicationFailure",
      type: "ExtensionError",
      nonRetryable: true,
      details: [expect.objectContaining({ code: "not_found", taskId: "check-deal" })],
    });
    client.close();
    const { out, io } = captured();
    expect(await runL2oCommand([...flags(), "--tenant", "globex"], io)).toBe(EXIT.failed);
    expect(out.stderr).toContain('"code":"not_found"');
  });

  it("`npm run start` runs the same path from a terminal", async () => {
    const { stdout } = await promisify(execFile)(
      "npm",
      ["run", "--silent", "start", "--workspace", "@ameide-ext/example-l2o-process", "--", ...flags()],
      { cwd: REPO_ROOT, env: { ...process.env, AMEIDE_RUNTIME_TOKEN: "" } },
    );
    const lines = stdout.trim().split("\n");
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(Object.keys(PATHS));
    expect(lines[2]).toContain("deal-invalid -> fix-deal -> deal-returned");
  }, 60_000);
});
