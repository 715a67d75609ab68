// The workflow file as Temporal's worker bundles it for the workflow sandbox (bundleWorkflowCode needs no
// server): it must reach no Node module and no SDK code, only types of them.
import { bundleWorkflowCode } from "@temporalio/worker";
import { describe, expect, it } from "vitest";

const noop = () => undefined;
const quiet = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };

describe("workflows.ts", () => {
  it("bundles for the workflow sandbox, without the SDK's runtime code", async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: new URL("./workflows.ts", import.meta.url).pathname,
      logger: quiet,
    });
    expect(code).toContain("l2oDealApproval");
    expect(code).toContain("completeUserTask");
    expect(code).not.toContain("createRuntimeClient");
    expect(code).not.toContain("bpmn-moddle");
  }, 60_000);
});
