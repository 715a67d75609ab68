import {
  type InvokeExtensionRequest,
  type InvokeExtensionResponse,
  InvokeExtensionResponseSchema,
  Outcome,
} from "@ameide-ext/proto";
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { agentContext } from "../execution-context.js";
import { createInProcessClient } from "../runtime-client.js";
import type { AuditRecord } from "./audit-record.js";
import { replayAuditRecord } from "./replay-audit-record.js";

const SHA = "5e".repeat(32);
const ctx = agentContext({ tenantId: "acme", agentId: "coach", correlationId: "run-1" });
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

const recorded: AuditRecord = {
  timestamp: "2026-12-05T23:00:00.000Z",
  tool: "opportunity-risk",
  extensionId: "opportunity-risk",
  requestedVersion: "latest",
  resolvedVersion: "3",
  moduleSha256: SHA,
  ctx,
  correlationId: "run-1",
  input: { accountId: "A-1" },
  inputBytes: 20,
  outcome: "ok",
  output: { score: 12 },
  logs: [],
  fuelUsed: 1234,
  durationUs: 50,
  elapsedMs: 1,
};

function runtimeAnswering(res: Partial<{ sha: string; output: unknown; fuel: bigint; outcome: Outcome }>) {
  const requests: InvokeExtensionRequest[] = [];
  const client = createInProcessClient(
    {
      async invokeExtension(req): Promise<InvokeExtensionResponse> {
        requests.push(req);
        const outcome = res.outcome ?? Outcome.OK;
        return create(InvokeExtensionResponseSchema, {
          outcome,
          resolvedVersion: req.version,
          moduleSha256: res.sha ?? SHA,
          stats: { fuelUsed: res.fuel ?? 1234n },
          ...(outcome === Outcome.OK
            ? { outputJson: encode(res.output ?? { score: 12 }) }
            : outcome === Outcome.BUSINESS_ERROR
              ? { errorCode: "REFUSED", errorMsg: "no" }
              : { errorCode: "resource_exhausted", errorReason: "fuel", errorMsg: "out of fuel" }),
        });
      },
    },
    { retry: { attempts: 1 } },
  );
  return { client, requests };
}

describe("replayAuditRecord()", () => {
  it("runs the recorded call again, at the resolved version with the recorded ctx and input, and finds it the same", async () => {
    const { client, requests } = runtimeAnswering({});
    const report = await replayAuditRecord(client, recorded);
    expect(report).toMatchObject({ same: true, differences: [] });
    expect(requests[0]).toMatchObject({ extensionId: "opportunity-risk", version: "3" });
    expect(requests[0]?.ctx).toMatchObject({ tenantId: "acme", actorType: "AGENT", correlationId: "run-1" });
    expect(new TextDecoder().decode(requests[0]?.inputJson)).toBe('{"accountId":"A-1"}');
  });

  it("names each difference: another module behind the version, another output, other fuel", async () => {
    const { client } = runtimeAnswering({ sha: "ff".repeat(32), output: { score: 13 }, fuel: 99n });
    const report = await replayAuditRecord(client, recorded);
    expect(report.same).toBe(false);
    expect(report.differences).toEqual([
      { field: "moduleSha256", recorded: SHA, replayed: "ff".repeat(32) },
      { field: "output", recorded: { score: 12 }, replayed: { score: 13 } },
      { field: "fuelUsed", recorded: 1234, replayed: 99 },
    ]);
  });

  it("replays a business error and a technical error to the same code", async () => {
    const business = {
      ...recorded,
      outcome: "business_error" as const,
      output: undefined,
      error: { code: "REFUSED", message: "no" },
    };
    expect(
      await replayAuditRecord(runtimeAnswering({ outcome: Outcome.BUSINESS_ERROR }).client, business),
    ).toMatchObject({
      same: true,
    });
    const technical = {
      ...recorded,
      outcome: "technical_error" as const,
      output: undefined,
      error: { code: "resource_exhausted", reason: "fuel", message: "out of fuel" },
    };
    const replayed = await replayAuditRecord(
      runtimeAnswering({ outcome: Outcome.TECHNICAL_ERROR }).client,
      technical,
    );
    expect(replayed).toMatchObject({ same: true, outcome: "technical_error" });
    const changed = await replayAuditRecord(runtimeAnswering({}).client, technical);
    expect(changed.differences.map((d) => d.field)).toEqual(["outcome", "output", "error"]);
  });

  it("compares an output its schema refused (internal/invalid_output) with what the runtime answers again", async () => {
    const invalidOutput = {
      ...recorded,
      outcome: "technical_error" as const,
      output: { score: 101 },
      error: { code: "internal", reason: "invalid_output", message: "score over 100" },
    };
    expect(
      await replayAuditRecord(runtimeAnswering({ output: { score: 101 } }).client, invalidOutput),
    ).toMatchObject({
      same: true,
      outcome: "ok",
    });
  });

  it("refuses a record of a call that never ran (refused arguments) with failed_precondition, with no RPC", async () => {
    const { client, requests } = runtimeAnswering({});
    const refused = {
      ...recorded,
      outcome: "invalid_arguments" as const,
      resolvedVersion: "",
      moduleSha256: "",
    };
    await expect(replayAuditRecord(client, refused)).rejects.toMatchObject({
      code: "failed_precondition",
      details: { outcome: "invalid_arguments" },
    });
    const { input: _dropped, ...noInput } = recorded;
    await expect(replayAuditRecord(client, noInput)).rejects.toMatchObject({ code: "failed_precondition" });
    expect(requests).toHaveLength(0);
  });
});
