import { InvokeExtensionResponseSchema, Outcome } from "@ameide-ext/proto";
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { readResponse } from "./read-response.js";

const SHA = "ab".repeat(32);
const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe("readResponse()", () => {
  it("surfaces the module's sha256 beside the resolved version of an ok answer (what an audit record replays)", () => {
    const res = readResponse(
      create(InvokeExtensionResponseSchema, {
        outcome: Outcome.OK,
        resolvedVersion: "3",
        moduleSha256: SHA,
        outputJson: encode({ fine: true }),
      }),
    );
    expect(res).toMatchObject({ outcome: "ok", resolvedVersion: "3", moduleSha256: SHA });
  });

  it("surfaces the module's sha256 of a business error", () => {
    const res = readResponse(
      create(InvokeExtensionResponseSchema, {
        outcome: Outcome.BUSINESS_ERROR,
        resolvedVersion: "4",
        moduleSha256: SHA,
        errorCode: "REFUSED",
        errorMsg: "no",
      }),
    );
    expect(res).toMatchObject({ outcome: "business_error", resolvedVersion: "4", moduleSha256: SHA });
  });

  it("puts the module's sha256 in a technical error's details, with the resolved version", () => {
    const read = () =>
      readResponse(
        create(InvokeExtensionResponseSchema, {
          outcome: Outcome.TECHNICAL_ERROR,
          resolvedVersion: "5",
          moduleSha256: SHA,
          errorCode: "resource_exhausted",
          errorReason: "fuel",
          errorMsg: "out of fuel",
        }),
      );
    expect(read).toThrowError(
      expect.objectContaining({
        code: "resource_exhausted",
        reason: "fuel",
        details: expect.objectContaining({ resolvedVersion: "5", moduleSha256: SHA }),
      }),
    );
  });
});
