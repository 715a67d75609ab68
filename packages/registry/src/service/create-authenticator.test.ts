import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { createAuthenticator, tokenIdentitiesFor } from "./create-authenticator.js";

const secret = "s".repeat(32);
const jwt = (claims: Record<string, unknown>, key = secret, exp: string | number = "5m") =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(key));

describe("createAuthenticator()", () => {
  const auth = createAuthenticator({
    tokens: [{ token: "ann-token-0123456789", identity: "user:ann", tenants: ["acme"] }],
    jwt: { secret },
  });

  it("maps a static token to its identity and tenants", async () => {
    await expect(auth("Bearer ann-token-0123456789")).resolves.toEqual({
      actor: "user:ann",
      tenants: ["acme"],
    });
  });

  it("verifies an HS256 JWT: sub is the identity, tenants the tenants", async () => {
    const token = await jwt({ sub: "agent:l2o", tenants: ["acme"] });
    await expect(auth(`Bearer ${token}`)).resolves.toEqual({ actor: "agent:l2o", tenants: ["acme"] });
  });

  it.each([
    ["no header", null],
    ["not bearer", "Basic abc"],
    ["an unknown token", "Bearer nope-nope-nope-nope"],
  ])("refuses %s as unauthenticated", async (_name, header) => {
    await expect(auth(header)).rejects.toMatchObject({
      code: "unauthenticated",
      details: { rule: "unauthenticated" },
    });
  });

  it("refuses a JWT with another key, an expired one, or one without tenants", async () => {
    for (const token of [
      await jwt({ sub: "user:ann", tenants: ["acme"] }, "x".repeat(32)),
      await jwt({ sub: "user:ann", tenants: ["acme"] }, secret, Math.floor(Date.now() / 1000) - 60),
      await jwt({ sub: "user:ann" }),
      await jwt({ sub: "root", tenants: ["acme"] }),
    ])
      await expect(auth(`Bearer ${token}`)).rejects.toMatchObject({ details: { rule: "unauthenticated" } });
  });

  it("refuses to build an open registry, a short token or a short secret", () => {
    expect(() => createAuthenticator({})).toThrow(expect.objectContaining({ code: "invalid_argument" }));
    expect(() =>
      createAuthenticator({ tokens: [{ token: "short", identity: "user:a", tenants: ["*"] }] }),
    ).toThrow(expect.objectContaining({ code: "invalid_argument" }));
    expect(() => createAuthenticator({ jwt: { secret: "short" } })).toThrow(
      expect.objectContaining({ code: "invalid_argument" }),
    );
  });
});

describe("tokenIdentitiesFor()", () => {
  it('lists the identities of the static tokens that act for a tenant (by name or "*"), once each', () => {
    const tokens = [
      { token: "a".repeat(16), identity: "user:ann", tenants: ["acme"] },
      { token: "b".repeat(16), identity: "user:bob", tenants: ["*"] },
      { token: "c".repeat(16), identity: "user:eve", tenants: ["globex"] },
      { token: "d".repeat(16), identity: "user:ann", tenants: ["acme", "globex"] },
    ];
    expect(tokenIdentitiesFor(tokens, "acme")).toEqual(["user:ann", "user:bob"]);
    expect(tokenIdentitiesFor(undefined, "acme")).toEqual([]);
  });
});
