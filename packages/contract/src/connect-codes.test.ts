import { ERROR_CODES, ExtensionError } from "@ameide-ext/contract";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  fromConnectCode,
  fromConnectCodeName,
  fromConnectError,
  toConnectCode,
  toConnectError,
} from "./connect-codes.js";

describe("connect codes", () => {
  it("maps each of our codes to Connect's and back unchanged", () => {
    for (const code of ERROR_CODES) expect(fromConnectCode(toConnectCode(code))).toBe(code);
  });

  it("folds Connect's other codes into ours", () => {
    expect(fromConnectCode(Code.Unauthenticated)).toBe("unauthenticated");
    expect(fromConnectCode(Code.Aborted)).toBe("unavailable");
    expect(fromConnectCode(Code.Unknown)).toBe("internal");
    expect(fromConnectCodeName("unauthenticated")).toBe("unauthenticated");
    expect(fromConnectCodeName("already_exists")).toBe("failed_precondition");
    expect(fromConnectCodeName("not_found")).toBe("not_found");
    expect(fromConnectCodeName("nonsense")).toBe("internal");
  });

  it("carries the reason across a ConnectError", () => {
    const wire = toConnectError(new ExtensionError("unavailable", "draining", "shutting_down"));
    expect(wire.code).toBe(Code.Unavailable);
    const back = fromConnectError(new ConnectError(wire.rawMessage, wire.code, wire.metadata));
    expect(back).toMatchObject({ code: "unavailable", reason: "shutting_down" });
  });
});
