import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistry } from "../domain/create-registry.js";
import type { Caller, CompileOutcome, Registry } from "../domain/registry.js";
import { createAuthenticator } from "../service/create-authenticator.js";
import { openRegistryStore } from "../store/open-registry-store.js";
import type { RegistryStore } from "../store/registry-store.js";
import { createReviewHandler } from "./review-handler.js";

const ANN = "a".repeat(24);
const BOB = "b".repeat(24);
const BOT = "c".repeat(24);
const EVE = "e".repeat(24);
const ALL = "f".repeat(24);
const RUNTIME = "r".repeat(32);
const ann: Caller = { actor: "user:ann", tenants: ["acme"] };
const globexUser: Caller = { actor: "user:gil", tenants: ["globex"] };

/** A compiler standing in for the worker (unit test): always succeeds with one fixture. */
async function fakeCompile(): Promise<CompileOutcome> {
  return {
    record: {
      status: "succeeded",
      toolchain: "fake",
      diagnostics: [],
      tests: [
        {
          name: "t",
          passed: true,
          message: "",
          inputJson: "{}",
          outputJson: "{}",
          durationUs: 5,
          maxLimitRatio: 0.1,
        },
      ],
      moduleBytes: 10,
      startedAt: "2026-01-01T00:00:00.000Z",
    },
    wasmBlobRef: `m.wasm#sha256=${"a".repeat(64)}`,
    sha256: "a".repeat(64),
  };
}

let store: RegistryStore;
let registry: Registry;
let server: Server;
let base: string;

/** A version of `id` for `tenantId`, compiled, with a medium-risk promotion to dev waiting. */
async function pending(by: Caller, tenantId: string, id: string) {
  const draft = await registry.createDraft(by, {
    tenantId,
    extensionId: id,
    kind: "process_hook",
    riskTier: "medium",
  });
  const key = { tenantId, extensionId: id, version: draft.revision.version };
  const files = [
    { path: "src/index.ts", contentBase64: Buffer.from("export const x = 1;\n").toString("base64") },
  ];
  await registry.uploadSource(by, { ...key, language: "assemblyscript", files, manifestJson: "{}" });
  await registry.requestCompile(by, key);
  await registry.idle();
  await registry.requestPromotion(by, { ...key, env: "dev" });
  return key;
}

beforeAll(async () => {
  store = await openRegistryStore(":memory:");
  registry = createRegistry({
    store,
    compiler: fakeCompile,
    reviewersOf: (t) => (t === "acme" ? ["user:ann", "user:bob", "agent:l2o"] : ["user:eve"]),
  });
  const authenticate = createAuthenticator({
    tokens: [
      { token: ANN, identity: "user:ann", tenants: ["acme"] },
      { token: BOB, identity: "user:bob", tenants: ["acme"] },
      { token: BOT, identity: "agent:l2o", tenants: ["acme"] },
      { token: EVE, identity: "user:eve", tenants: ["globex"] },
      { token: ALL, identity: "user:root", tenants: ["*"] },
      { token: RUNTIME, identity: "service:runtime-prod", tenants: ["*"] },
    ],
  });
  const review = createReviewHandler({ registry, authenticate });
  server = createServer((req, res) => {
    void review(req, res).then((served) => {
      if (!served) {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await pending(ann, "acme", "deal-guard");
  await pending(globexUser, "globex", "secret");
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await registry.idle();
  await store.close();
});

/** The value of cookie `name` in a response's Set-Cookie headers. */
function cookie(res: Response, name: string): string | undefined {
  for (const c of res.headers.getSetCookie())
    if (c.startsWith(`${name}=`)) return c.slice(name.length + 1).split(";")[0];
  return undefined;
}

/** The CSRF token of the first form of a page. */
function csrfOf(html: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(html);
  if (!m?.[1]) throw new Error("no csrf field");
  return m[1];
}

const form = (fields: Record<string, string>, cookieHeader: string) => ({
  method: "POST",
  redirect: "manual" as const,
  headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookieHeader },
  body: new URLSearchParams(fields).toString(),
});

/** Signs in with `token`; returns the Cookie header of the session. */
async function signIn(token: string): Promise<string> {
  const page = await fetch(`${base}/review`);
  const pre = cookie(page, "ameide_review_signin") ?? "";
  const res = await fetch(
    `${base}/review/sign-in`,
    form({ csrf: csrfOf(await page.text()), token }, `ameide_review_signin=${pre}`),
  );
  expect(res.status).toBe(303);
  const set = res.headers.getSetCookie().find((c) => c.startsWith("ameide_review="));
  expect(set).toMatch(/; HttpOnly; SameSite=Strict; Path=\/review; Max-Age=\d+$/);
  return `ameide_review=${cookie(res, "ameide_review")}`;
}

const versionUrl = (tenant: string, id: string, v = "1") => `${base}/review/t/${tenant}/x/${id}/v/${v}`;

describe("the review page over HTTP: session, CSRF, tenant isolation", () => {
  it("refuses a sign-in without the form's CSRF token (403, rule csrf), and an unknown token (401), then still serves", async () => {
    const noCsrf = await fetch(`${base}/review/sign-in`, form({ token: ANN }, ""));
    expect(noCsrf.status).toBe(403);
    expect(await noCsrf.text()).toContain('data-rule="csrf"');
    const page = await fetch(`${base}/review`);
    const pre = cookie(page, "ameide_review_signin") ?? "";
    const unknown = await fetch(
      `${base}/review/sign-in`,
      form({ csrf: csrfOf(await page.text()), token: "z".repeat(30) }, `ameide_review_signin=${pre}`),
    );
    expect(unknown.status).toBe(401);
    expect(await unknown.text()).toContain('data-code="unauthenticated"');
    expect(cookie(unknown, "ameide_review")).toBeUndefined();
    expect((await fetch(`${base}/review`)).status).toBe(200);
  });

  it("refuses a service's credential at sign-in (403, rule service_scope): the page reads every tenant's sources", async () => {
    const page = await fetch(`${base}/review`);
    const pre = cookie(page, "ameide_review_signin") ?? "";
    const res = await fetch(
      `${base}/review/sign-in`,
      form({ csrf: csrfOf(await page.text()), token: RUNTIME }, `ameide_review_signin=${pre}`),
    );
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('data-rule="service_scope"');
    expect(cookie(res, "ameide_review")).toBeUndefined();
    expect((await fetch(`${base}/review`)).status).toBe(200);
  });

  it("lists the pending promotions of the reviewer's tenant only", async () => {
    const session = await signIn(BOB);
    const html = await (await fetch(`${base}/review`, { headers: { cookie: session } })).text();
    expect(html).toContain('data-extension="deal-guard"');
    expect(html).not.toContain("secret");
    const other = await fetch(`${base}/review?tenant=globex`, { headers: { cookie: session } });
    expect(other.status).toBe(403);
    expect(await other.text()).toContain('data-rule="tenant_access"');
  });

  it("refuses another tenant's version (403 tenant_access) and an unknown one (404)", async () => {
    const session = await signIn(BOB);
    const cross = await fetch(versionUrl("globex", "secret"), { headers: { cookie: session } });
    expect(cross.status).toBe(403);
    expect(await cross.text()).toContain('data-rule="tenant_access"');
    const crossApprove = await fetch(
      `${versionUrl("globex", "secret")}/approve`,
      form({ csrf: "x", env: "dev" }, session),
    );
    expect(crossApprove.status).toBe(403);
    expect((await fetch(versionUrl("acme", "nope"), { headers: { cookie: session } })).status).toBe(404);
    expect(
      (await registry.get(globexUser, { tenantId: "globex", extensionId: "secret" })).revision.revision.state,
    ).toBe("in_review");
  });

  it("refuses a form with a missing or wrong CSRF token (403) and changes nothing", async () => {
    const session = await signIn(BOB);
    const key = await pending(ann, "acme", "csrf-guard");
    const attempts: Record<string, string>[] = [{ env: "dev" }, { env: "dev", csrf: "wrong" }];
    for (const fields of attempts) {
      const res = await fetch(
        `${versionUrl("acme", "csrf-guard", key.version)}/approve`,
        form(fields, session),
      );
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('data-rule="csrf"');
    }
    expect((await registry.get(ann, key)).revision.revision.state).toBe("in_review");
  });

  it("shows the author Approve disabled with the rule, and refuses the author's approval by the same rule (403)", async () => {
    const session = await signIn(ANN);
    const key = await pending(ann, "acme", "self-guard");
    const html = await (
      await fetch(versionUrl("acme", "self-guard", key.version), { headers: { cookie: session } })
    ).text();
    expect(html).toMatch(/id="approve" disabled/);
    expect(html).toContain('id="approve-why" class="why" data-rule="self_approval"');
    const res = await fetch(
      `${versionUrl("acme", "self-guard", key.version)}/approve`,
      form({ csrf: csrfOf(html), env: "dev" }, session),
    );
    expect(res.status).toBe(403);
    const refused = await res.text();
    expect(refused).toContain('data-rule="self_approval"');
    expect(refused).toContain("user:bob"); // the fix names who may
  });

  it("refuses an agent's approval (agent_cannot_approve) through the domain", async () => {
    const session = await signIn(BOT);
    const key = await pending(ann, "acme", "agent-guard");
    const html = await (
      await fetch(versionUrl("acme", "agent-guard", key.version), { headers: { cookie: session } })
    ).text();
    const res = await fetch(
      `${versionUrl("acme", "agent-guard", key.version)}/approve`,
      form({ csrf: csrfOf(html), env: "dev" }, session),
    );
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('data-rule="agent_cannot_approve"');
  });

  it("approves as another human and the version is promoted; rejects with a comment", async () => {
    const session = await signIn(BOB);
    const key = await pending(ann, "acme", "ok-guard");
    const url = versionUrl("acme", "ok-guard", key.version);
    const html = await (await fetch(url, { headers: { cookie: session } })).text();
    const res = await fetch(
      `${url}/approve`,
      form({ csrf: csrfOf(html), env: "dev", comment: "fine" }, session),
    );
    expect(res.status).toBe(303);
    expect((await registry.get(ann, key)).revision.revision.state).toBe("promoted_dev");
    const done = await (
      await fetch(`${base}${res.headers.get("location")}`, { headers: { cookie: session } })
    ).text();
    expect(done).toContain('id="notice">Approved: the version is promoted to dev.<');
    const other = await pending(ann, "acme", "no-guard");
    const r2 = await fetch(
      `${versionUrl("acme", "no-guard", other.version)}/reject`,
      form({ csrf: csrfOf(html), env: "dev", comment: "no" }, session),
    );
    expect(r2.status).toBe(303);
    expect((await registry.get(ann, other)).revision.revision.state).toBe("rejected");
  });

  it("shows an agent Approve and Reject disabled with their rules", async () => {
    const session = await signIn(BOT);
    const key = await pending(ann, "acme", "agent-view");
    const html = await (
      await fetch(versionUrl("acme", "agent-view", key.version), { headers: { cookie: session } })
    ).text();
    expect(html).toMatch(/id="approve" disabled/);
    expect(html).toMatch(/id="reject" disabled/);
    expect(html).toContain('data-rule="agent_cannot_approve"');
    expect(html).toContain('data-rule="agent_cannot_review"');
  });

  it("answers an approval with no promotion waiting with 409 and the rule", async () => {
    const session = await signIn(BOB);
    const key = await pending(ann, "acme", "twice-guard");
    const url = versionUrl("acme", "twice-guard", key.version);
    const csrf = csrfOf(await (await fetch(url, { headers: { cookie: session } })).text());
    expect((await fetch(`${url}/approve`, form({ csrf, env: "dev" }, session))).status).toBe(303);
    const again = await fetch(`${url}/approve`, form({ csrf, env: "dev" }, session));
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('data-rule="no_pending_promotion"');
  });

  it("asks a caller acting for every tenant which tenant, then lists that tenant's", async () => {
    const session = await signIn(ALL);
    const picker = await (await fetch(`${base}/review`, { headers: { cookie: session } })).text();
    expect(picker).toContain('name="tenant"');
    const globex = await (
      await fetch(`${base}/review?tenant=globex`, { headers: { cookie: session } })
    ).text();
    expect(globex).toContain('data-extension="secret"');
  });

  it("answers a malformed escape in a version's path with 400 invalid_argument, and still serves", async () => {
    const session = await signIn(BOB);
    const res = await fetch(`${base}/review/t/acme/x/%E0%A4%A/v/1`, { headers: { cookie: session } });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('data-code="invalid_argument"');
    expect((await fetch(`${base}/review`, { headers: { cookie: session } })).status).toBe(200);
  });

  it("marks its cookies Secure when the page is served over HTTPS (X-Forwarded-Proto from the ingress), not over plain HTTP", async () => {
    const plain = await fetch(`${base}/review`);
    expect(plain.headers.getSetCookie().every((c) => !/;\s*Secure/i.test(c))).toBe(true);
    const proxied = await fetch(`${base}/review`, { headers: { "x-forwarded-proto": "https" } });
    const cookies = proxied.headers.getSetCookie();
    expect(cookies.length).toBeGreaterThan(0);
    for (const c of cookies) expect(c).toMatch(/; Secure(;|$)/);
  });

  it("signs out: the session no longer works", async () => {
    const session = await signIn(BOB);
    const html = await (await fetch(`${base}/review`, { headers: { cookie: session } })).text();
    const out = await fetch(`${base}/review/sign-out`, form({ csrf: csrfOf(html) }, session));
    expect(out.status).toBe(303);
    const after = await fetch(versionUrl("acme", "deal-guard"), { headers: { cookie: session } });
    expect(after.status).toBe(401);
    expect(await after.text()).toContain('id="sign-in"');
  });

  it("refuses an oversized or non-form body (400) and still serves", async () => {
    const session = await signIn(BOB);
    const big = await fetch(`${versionUrl("acme", "deal-guard")}/approve`, {
      ...form({ csrf: "x", env: "dev", comment: "y".repeat(100_000) }, session),
    });
    expect(big.status).toBe(400);
    const json = await fetch(`${versionUrl("acme", "deal-guard")}/approve`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: session },
      body: "{}",
    });
    expect(json.status).toBe(400);
    expect(await json.text()).toContain('data-code="invalid_argument"');
    expect((await fetch(`${base}/review`, { headers: { cookie: session } })).status).toBe(200);
  });
});
