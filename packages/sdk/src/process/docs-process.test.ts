// docs/sdk/process.md's examples, run as a user's modules against a real runtime service.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createCatalog,
  createLocalTokenIssuer,
  createRuntime,
  type RuntimeServer,
  startRuntimeServer,
} from "@ameide-ext/runtime";
import { buildTestHook, captureLogger, writeModule } from "@ameide-ext/runtime/testing/service";
import { MockActivityEnvironment } from "@temporalio/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDocsExample } from "../testing/docs-example.js";
import type { ExtensionActivity } from "./temporal/extension-activity.js";

describe("docs/sdk/process.md", () => {
  let dir: string;
  let server: RuntimeServer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-sdk-docs-process-"));
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
    process.env.AMEIDE_RUNTIME_URL = server.url as string;
    process.env.AMEIDE_RUNTIME_TOKEN = await issuer.mint({ subject: "l2o-process", tenants: ["acme"] });
  }, 120_000);

  afterAll(async () => {
    await server?.shutdown(1_000);
    await rm(dir, { recursive: true, force: true });
  });

  it("deal-approval: the task's route written back, and INVALID_DEAL as a BpmnError's code", async () => {
    const { variables, refused } = await runDocsExample("process", "deal-approval");
    expect(variables).toEqual({
      deal: { id: "D-1042", amount: 72000, margin: 0.085 },
      approval: { route: "extra_approval", reasons: ["amount>50000", "margin<10"] },
    });
    expect(refused).toBe("INVALID_DEAL");
  });

  it("temporal-activity: the exported activity runs the task in an activity context", async () => {
    const { activities } = (await runDocsExample("process", "temporal-activity")) as {
      activities: { checkDeal: ExtensionActivity };
    };
    const env = new MockActivityEnvironment({
      activityId: "1",
      workflowExecution: { workflowId: "w-1", runId: "r" },
    });
    const out = await env.run(activities.checkDeal, {
      variables: { deal: { amount: 12000, margin: 0.04 } },
      process: { tenantId: "acme", userId: "u-42" },
    });
    expect(out).toEqual({ deal: { amount: 12000, margin: 0.04 }, route: "standard" });
  });
});
