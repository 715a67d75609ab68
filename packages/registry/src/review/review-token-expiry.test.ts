// Red team (#14): the review page checked the bearer token once, at sign-in, then trusted the session for its
// 8 hours. A JWT that expired a minute later (or whose tenants claim changed) still approved all day. Each
// request now checks the token again; an expired one ends the session.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistry } from "../domain/create-registry.js";
import type { Caller, Registry } from "../domain/registry.js";
import { createAuthenticator } from "../service/create-authenticator.js";
import { openRegistryStore } from "../store/open-registry-store.js";
import type { RegistryStore } from "../store/registry-store.js";
import { succeededCompile } from "../testing/succeeded-compile.js";
import { createReviewHandler } from "./review-handler.js";

const SECRET = "s".repeat(40);
const ann: Caller = { actor: "user:ann", tenants: ["acme"] };

let store: RegistryStore;
let registry: Registry;
let server: Server;
let base: string;

beforeAll(async () => {
  store = await openRegistryStore(":memory:");
  registry = createRegistry({
    store,
    compiler: () => succeededCompile(),
    reviewersOf: () => ["user:ann", "user:bob"],
  });
  const review = createReviewHandler({
    registry,
    authenticate: createAuthenticator({ jwt: { secret: SECRET } }),
  });
  server = createServer((req, res) => {
    void review(req, res).then((served) => {
      if (!served) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const draft = await registry.createDraft(ann, {
    tenantId: "acme",
    extensionId: "deal-guard",
    kind: "process_hook",
    riskTier: "medium",
  });
  const key = { tenantId: "acme", extensionId: "deal-guard", version: draft.revision.version };
  const files = [{ path: "src/index.ts", contentBase64: Buffer.from("x\n").toString("base64") }];
  await registry.uploadSource(ann, { ...key, language: "assemblyscript", files, manifestJson: "{}" });
  await registry.requestCompile(ann, key);
  await registry.idle();
  await registry.requestPromotion(ann, { ...key, env: "dev" });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await registry.idle();
  await store.close();
});

async function signIn(token: string): Promise<string> {
  const page = await fetch(`${base}/review`);
  const pre = /ameide_review_signin=([^;]*)/.exec(page.headers.getSetCookie().join(","))?.[1] ?? "";
  const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? "";
  const res = await fetch(`${base}/review/sign-in`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: `ameide_review_signin=${pre}` },
    body: new URLSearchParams({ csrf, token }).toString(),
  });
  expect(res.status).toBe(303);
  return `ameide_review=${/ameide_review=([^;]*)/.exec(res.headers.getSetCookie().join(","))?.[1]}`;
}

describe("a review session whose bearer token expires", () => {
  it("ends with the token: the list asks to sign in again and an approval is unauthenticated", async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const jwt = await new SignJWT({ tenants: ["acme"] })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("user:bob")
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(SECRET));
    const session = await signIn(jwt);
    const page = await fetch(`${base}/review/t/acme/x/deal-guard/v/1`, { headers: { cookie: session } });
    expect(page.status).toBe(200);
    const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? "";
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, exp * 1000 - Date.now()) + 1200));
    const list = await fetch(`${base}/review`, { headers: { cookie: session } });
    const listed = await list.text();
    expect(listed).toContain('id="sign-in"');
    expect(listed).not.toContain("Pending promotions");
    const approve = await fetch(`${base}/review/t/acme/x/deal-guard/v/1/approve`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: session },
      body: new URLSearchParams({ csrf, env: "dev", comment: "late" }).toString(),
    });
    expect(approve.status).toBe(401);
    const view = await registry.get(ann, { tenantId: "acme", extensionId: "deal-guard", version: "1" });
    expect(view.revision.revision.pending?.approvers).toEqual([]);
  }, 20_000);
});
