import { describe, expect, it } from "vitest";
import { agentContext, systemContext, userContext } from "./index.js";

describe("execution context builders", () => {
  it("marks a user, an agent and the system by actor type", () => {
    expect(userContext({ tenantId: "acme", userId: "u1" }).actorType).toBe("USER");
    expect(agentContext({ tenantId: "acme", agentId: "agent:7" })).toMatchObject({
      userId: "agent:7",
      actorType: "AGENT",
    });
    expect(systemContext({ tenantId: "acme" })).toMatchObject({ userId: "system", actorType: "SYSTEM" });
  });

  it("refuses a context without a tenant with invalid_argument", () => {
    expect(() => systemContext({ tenantId: " " })).toThrowError(
      expect.objectContaining({ code: "invalid_argument" }),
    );
  });
});
