import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { resolveAuthSettings } from "./auth-settings.js";
import { createCallerAuthenticator } from "./caller-authenticator.js";
import { createLocalTokenIssuer, type LocalTokenIssuer } from "./local-token-issuer.js";

const none = { authorization: null, userToken: null, viaSocket: false };

// jose as it is, with jwtVerify counted: how many signature checks a burst of requests costs.
vi.mock("jose", async (importOriginal) => {
  const jose = await importOriginal<typeof import("jose")>();
  return { ...jose, jwtVerify: vi.fn(jose.jwtVerify) };
});

describe("resolveAuthSettings()", () => {
  it("is unset without a section, and refuses what cannot work", () => {
    expect(resolveAuthSettings(undefined, undefined).mode).toBe("unset");
    expect(resolveAuthSettings(undefined, "insecure_local").mode).toBe("insecure_local");
    const refused = { code: "invalid_argument", reason: "invalid_manifest" };
    expect(() => resolveAuthSettings({}, undefined)).toThrowError(expect.objectContaining(refused));
    expect(() => resolveAuthSettings(undefined, "everyone")).toThrowError(expect.objectContaining(refused));
    expect(() => resolveAuthSettings({ issuers: [{ issuer: "i", audience: "a" }] }, undefined)).toThrowError(
      expect.objectContaining(refused),
    );
    expect(() =>
      resolveAuthSettings(
        { issuers: [{ issuer: "i", audience: "a", jwks_file: "/x", jwks_uri: "http://x" }] },
        undefined,
      ),
    ).toThrowError(expect.objectContaining(refused));
  });
});

describe("createCallerAuthenticator()", () => {
  let dir: string;
  let issuer: LocalTokenIssuer;
  let jwksServer: Server;
  let jwksUrl: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-authn-"));
    issuer = await createLocalTokenIssuer({ dir });
    const jwks = await readFile(issuer.jwksFile, "utf8");
    jwksServer = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(jwks);
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, "127.0.0.1", resolve));
    jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(async () => {
    jwksServer.closeAllConnections();
    await new Promise((resolve) => jwksServer.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses to exist when auth is unset", async () => {
    await expect(createCallerAuthenticator(resolveAuthSettings(undefined, undefined))).rejects.toMatchObject({
      code: "failed_precondition",
      reason: "invalid_manifest",
    });
  });

  it("verifies tokens against an issuer's jwks_uri, and reads the tenants claim", async () => {
    const auth = await createCallerAuthenticator(
      resolveAuthSettings(
        { issuers: [{ issuer: "ameide-ext-local", audience: "ameide-ext-runtime", jwks_uri: jwksUrl }] },
        undefined,
      ),
    );
    const token = await issuer.mint({ subject: "svc", tenants: ["acme", "globex"] });
    const id = await auth.authenticate({ ...none, authorization: `Bearer ${token}` });
    expect(id.principal.name).toBe("svc");
    expect([...(id.principal.tenants as Set<string>)]).toEqual(["acme", "globex"]);
    const platform = await issuer.mint({ subject: "wf", tenants: ["*"] });
    expect(
      (await auth.authenticate({ ...none, authorization: `Bearer ${platform}` })).principal.tenants,
    ).toBe("*");
    await expect(auth.authenticate(none)).rejects.toMatchObject({
      code: "unauthenticated",
      reason: "caller_unauthenticated",
    });
  });

  it("refuses a user token without a tenant claim, and a missing file JWKS at creation", async () => {
    const auth = await createCallerAuthenticator(resolveAuthSettings(issuer.auth, undefined));
    const service = `Bearer ${await issuer.mint({ subject: "svc", tenants: ["*"] })}`;
    const noTenant = await issuer.mint({ subject: "u-1" });
    await expect(
      auth.authenticate({ ...none, authorization: service, userToken: noTenant }),
    ).rejects.toMatchObject({
      code: "unauthenticated",
      reason: "caller_unauthenticated",
    });
    await expect(
      createCallerAuthenticator(
        resolveAuthSettings(
          { issuers: [{ issuer: "x", audience: "y", jwks_file: join(dir, "missing.json") }] },
          undefined,
        ),
      ),
    ).rejects.toMatchObject({ code: "invalid_argument", reason: "invalid_manifest" });
  });

  it("checks a token's signature once when a burst of requests presents it at once (issue #10 item 8)", async () => {
    const auth = await createCallerAuthenticator(resolveAuthSettings(issuer.auth, undefined));
    const token = await issuer.mint({ subject: "svc", tenants: ["acme"] });
    vi.mocked(jwtVerify).mockClear();
    const ids = await Promise.all(
      Array.from({ length: 50 }, () => auth.authenticate({ ...none, authorization: `Bearer ${token}` })),
    );
    expect(new Set(ids.map((id) => id.principal.name))).toEqual(new Set(["svc"]));
    expect(vi.mocked(jwtVerify)).toHaveBeenCalledTimes(1);
    // A bad token shared by a burst fails each request alike, with its reason.
    const results = await Promise.allSettled(
      Array.from({ length: 3 }, () => auth.authenticate({ ...none, authorization: `Bearer ${token}x` })),
    );
    for (const r of results)
      expect(r).toMatchObject({
        status: "rejected",
        reason: { code: "unauthenticated", reason: "caller_unauthenticated" },
      });
  });
});
