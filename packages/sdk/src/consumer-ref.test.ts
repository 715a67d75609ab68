import {
  type InvokeExtensionBatchRequest,
  InvokeExtensionBatchResponseSchema,
  type InvokeExtensionRequest,
  InvokeExtensionResponseSchema,
  Outcome,
} from "@ameide-ext/proto";
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { extensionTool } from "./agent/extension-tool.js";
import { createInMemoryConfigStore } from "./domain/domain-config-store.js";
import { createDomainExtensions } from "./domain/domain-extensions.js";
import { defineExtensionPoints } from "./domain/extension-points.js";
import { agentContext, userContext } from "./execution-context.js";
import { extensionTask } from "./process/extension-task.js";
import { defineExtensionTask } from "./process/extension-task-definition.js";
import { createInProcessClient } from "./runtime-client.js";

// Pins reach the runtime: each hook point sends its consumer's identity as InvokeExtensionRequest.consumer_ref,
// the registry's VersionPin.consumer_ref, so a pinned consumer's "latest" runs its pinned version.

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** A runtime double answering `output`, keeping every request it received. */
function fakeRuntime(output: unknown) {
  const requests: InvokeExtensionRequest[] = [];
  const batches: InvokeExtensionBatchRequest[] = [];
  const answer = () =>
    create(InvokeExtensionResponseSchema, {
      outcome: Outcome.OK,
      outputJson: encode(output),
      resolvedVersion: "1",
      stats: {},
    });
  const client = createInProcessClient(
    {
      async invokeExtension(req) {
        requests.push(req);
        return answer();
      },
      async invokeExtensionBatch(req) {
        batches.push(req);
        return create(InvokeExtensionBatchResponseSchema, {
          results: req.inputsJson.map(answer),
          resolvedVersion: "1",
        });
      },
    },
    { retry: { attempts: 1 } },
  );
  return { client, requests, batches };
}

describe("consumer_ref: who invokes, for version pins", () => {
  it("an Extension Task of a process sends process:<processId>", async () => {
    const { client, requests } = fakeRuntime({ ok: true });
    const task = defineExtensionTask({
      taskId: "price",
      processId: "quote-to-cash",
      extensionId: "deal-pricer",
    });
    await extensionTask(client, task)({}, { tenantId: "acme", processInstanceId: "pi-1", userId: "u1" });
    expect(requests[0]?.consumerRef).toBe("process:quote-to-cash");
  });

  it("a process id no pin can name (whitespace, over 248 characters) sends none rather than being refused", async () => {
    const { client, requests } = fakeRuntime({ ok: true });
    for (const processId of ["has space", "p".repeat(249)]) {
      const task = defineExtensionTask({ taskId: "price", processId, extensionId: "deal-pricer" });
      await extensionTask(client, task)({}, { tenantId: "acme", processInstanceId: "pi-1", userId: "u1" });
    }
    expect(requests.map((r) => r.consumerRef)).toEqual(["", ""]);
  });

  it("an Extension Task without a process id sends none (no pin applies)", async () => {
    const { client, requests } = fakeRuntime({ ok: true });
    const task = defineExtensionTask({ taskId: "price", extensionId: "deal-pricer" });
    await extensionTask(client, task)({}, { tenantId: "acme", processInstanceId: "pi-1", userId: "u1" });
    expect(requests[0]?.consumerRef).toBe("");
  });

  it("a domain extension point sends domain:<domain>/<point>", async () => {
    const { client, requests } = fakeRuntime({ ok: true, validationMessages: [], derivedFields: {} });
    const configs = createInMemoryConfigStore();
    configs.set("acme", "orders", "BeforeCreateOrder", { extensionId: "order-guard" });
    const points = defineExtensionPoints({ BeforeCreateOrder: { kind: "before" } });
    const ext = createDomainExtensions({ client, domain: "orders", configs });
    await ext.around(
      points.BeforeCreateOrder,
      userContext({ tenantId: "acme", userId: "u1" }),
      {},
      async () => ({}),
    );
    expect(requests[0]?.consumerRef).toBe("domain:orders/BeforeCreateOrder");
  });

  it("an agent tool sends agent:<agentId>", async () => {
    const { client, requests } = fakeRuntime({ score: 1 });
    const tool = extensionTool(client, {
      id: "opportunity-risk",
      description: "Scores risk.",
      input_schema: { type: "object" },
    });
    await tool.invoke({}, agentContext({ tenantId: "acme", agentId: "deal-coach" }));
    expect(requests[0]?.consumerRef).toBe("agent:deal-coach");
  });

  it("invoke and invokeMany pass a caller's consumerRef through", async () => {
    const { client, requests, batches } = fakeRuntime({});
    const ctx = userContext({ tenantId: "acme", userId: "u1" });
    await client.invoke({ extensionId: "x", ctx, input: {}, consumerRef: "process:p-9" });
    await client.invokeMany("x", [{}], ctx, { consumerRef: "process:p-9" });
    expect(requests[0]?.consumerRef).toBe("process:p-9");
    expect(batches[0]?.consumerRef).toBe("process:p-9");
  });
});
