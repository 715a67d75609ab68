// BPMN Extension Tasks end to end: docs/sdk/deal-approval.bpmn read with readExtensionTasks, its task run by
// extensionTask (and as a Temporal activity) against the AssemblyScript process_hook template, built with
// the PDK, in a real runtime service (startRuntimeServer), called over Connect by the SDK's client.
import { mkdtemp, readFile, rm } from "node:fs/promises";
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
import { ApplicationFailure } from "@temporalio/common";
import { MockActivityEnvironment } from "@temporalio/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntimeClient, type RuntimeClient } from "../runtime-client.js";
import { BpmnError, isRetryable } from "./bpmn-error.js";
import { extensionTask } from "./extension-task.js";
import { defineExtensionTask, type ExtensionTaskDefinition } from "./extension-task-definition.js";
import { readExtensionTasks } from "./read-extension-tasks.js";
import { createExtensionActivity } from "./temporal/extension-activity.js";

const BPMN = join(import.meta.dirname, "../../../../docs/sdk/deal-approval.bpmn");
const proc = { tenantId: "acme", processInstanceId: "pi-1042", userId: "u-42", env: "dev" };
const largeLowMargin = { deal: { id: "D-1042", amount: 72_000, margin: 0.085 }, owner: "u-42" };

describe("BPMN Extension Tasks through a runtime service", () => {
  let dir: string;
  let server: RuntimeServer;
  let client: RuntimeClient;
  let task: ExtensionTaskDefinition;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-sdk-process-"));
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
    await runtime.preload(); // compiled before the first call's deadline starts counting, on a busy machine too
    server = await startRuntimeServer(runtime, { port: 0 });
    client = createRuntimeClient({
      baseUrl: server.url as string,
      token: () => issuer.mint({ subject: "l2o-process", tenants: ["acme"] }),
      retry: { initialDelayMs: 1, maxDelayMs: 2 },
    });
    const tasks = await readExtensionTasks(await readFile(BPMN, "utf8"));
    task = tasks.find((t) => t.taskId === "check-deal") as ExtensionTaskDefinition;
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await server?.shutdown(1_000);
    await rm(dir, { recursive: true, force: true });
  });

  it("runs the BPMN file's task: FEEL inputs in, the template's route written back to the variables", async () => {
    const next = await extensionTask(client, task)(largeLowMargin, proc);
    expect(next).toEqual({
      ...largeLowMargin,
      approval: { route: "extra_approval", reasons: ["amount>50000", "margin<10"] },
    });
  });

  it("throws the template's business error as a BpmnError with the code the boundary event catches", async () => {
    const xml = await readFile(BPMN, "utf8");
    const p = extensionTask(client, task)({ deal: { id: "D-9", amount: 90_000 } }, proc);
    await expect(p).rejects.toBeInstanceOf(BpmnError);
    const err = (await p.catch((e: unknown) => e)) as BpmnError;
    expect(err).toMatchObject({ code: "INVALID_DEAL", taskId: "check-deal", resolvedVersion: "1" });
    expect(xml).toContain(`errorCode="${err.code}"`);
  });

  it("a version the runtime does not have is a technical error, not_found, that the engine must not retry", async () => {
    const pinned = defineExtensionTask({ ...task, version: "99" });
    const p = extensionTask(client, pinned)(largeLowMargin, proc);
    await expect(p).rejects.toMatchObject({ name: "ExtensionError", code: "not_found" });
    expect(isRetryable(await p.catch((e: unknown) => e))).toBe(false);
  });

  it("runs the same task as a Temporal activity: the route back, and INVALID_DEAL as a non-retryable failure", async () => {
    const activity = createExtensionActivity(client, task);
    const info = { activityId: "1", workflowExecution: { workflowId: "deal-D-1042", runId: "r-1" } };
    const out = await new MockActivityEnvironment(info).run(activity, {
      variables: largeLowMargin,
      process: proc,
    });
    expect(out).toMatchObject({ approval: { route: "extra_approval" } });
    const refused = await new MockActivityEnvironment({ ...info, activityId: "2" })
      .run(activity, { variables: { deal: { id: "D-9", amount: 1 } }, process: proc })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApplicationFailure);
    expect(refused).toMatchObject({ type: "INVALID_DEAL", nonRetryable: true });
  });
});
