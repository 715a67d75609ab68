import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistry } from "../domain/create-registry.js";
import type { Caller } from "../domain/registry.js";
import { createAuthenticator } from "../service/create-authenticator.js";
import { openRegistryStore } from "../store/open-registry-store.js";
import type { RegistryStore } from "../store/registry-store.js";
import { succeededCompile } from "../testing/succeeded-compile.js";
import { createReviewHandler } from "./review-handler.js";

// Red-team finding: the review page showed "(read-only)" on the author's word. It shows the registry's.

const CRM = "ameide.crm.v1.CustomerService";
const BOB = "b".repeat(24);
const ann: Caller = { actor: "user:ann", tenants: ["acme"] };

let store: RegistryStore;
let server: Server;
let base: string;

beforeAll(async () => {
  store = await openRegistryStore(":memory:");
  // Made while the operator listed both methods as read-only (or stored before the fix)…
  const before = createRegistry({
    store,
    compiler: () => succeededCompile(),
    readOnlyHostMethods: { [CRM]: ["GetCustomer", "UpdateCustomer"] },
  });
  const hostCalls = [
    { service: CRM, method: "GetCustomer" },
    { service: CRM, method: "UpdateCustomer" },
  ];
  const d = await before.createDraft(ann, {
    tenantId: "acme",
    extensionId: "crm-reader",
    kind: "agent_tool",
    riskTier: "medium",
    hostCalls,
  });
  const key = { tenantId: "acme", extensionId: "crm-reader", version: d.revision.version };
  await before.uploadSource(ann, {
    ...key,
    language: "assemblyscript",
    files: [{ path: "src/index.ts", contentBase64: Buffer.from("export {}\n").toString("base64") }],
    manifestJson: JSON.stringify({ host_calls: hostCalls.map((h) => ({ ...h, read_only: true })) }),
  });
  // …reviewed under a registry whose operator lists GetCustomer only.
  const registry = createRegistry({ store, readOnlyHostMethods: { [CRM]: ["GetCustomer"] } });
  const authenticate = createAuthenticator({
    tokens: [{ token: BOB, identity: "user:bob", tenants: ["acme"] }],
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
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await store.close();
});

function cookie(res: Response, name: string): string {
  for (const c of res.headers.getSetCookie())
    if (c.startsWith(`${name}=`)) return c.slice(name.length + 1).split(";")[0] ?? "";
  return "";
}

async function signIn(token: string): Promise<string> {
  const page = await fetch(`${base}/review`);
  const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? "";
  const res = await fetch(`${base}/review/sign-in`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      cookie: `ameide_review_signin=${cookie(page, "ameide_review_signin")}`,
    },
    body: new URLSearchParams({ csrf, token }).toString(),
  });
  expect(res.status).toBe(303);
  return `ameide_review=${cookie(res, "ameide_review")}`;
}

describe("the review page's host calls", () => {
  it("show the registry's read_only verdict, not the manifest's", async () => {
    const session = await signIn(BOB);
    const res = await fetch(`${base}/review/t/acme/x/crm-reader/v/1`, { headers: { cookie: session } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`<code>${CRM}.GetCustomer</code> (read-only)`);
    expect(html).toContain(`<code>${CRM}.UpdateCustomer</code> (writes)`);
  });
});
