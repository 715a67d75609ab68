// Red team (#14): a version's page diffed and printed every line of every file. An author (an agent signs in
// too) could upload up to 32 MiB in 2,000 files, so one GET of the page blocked the registry's event loop on
// the line diffs and built a page of hundreds of MiB. The page's diff work and size are capped; the server
// still serves.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistry } from "../domain/create-registry.js";
import type { Caller, Registry } from "../domain/registry.js";
import { createAuthenticator } from "../service/create-authenticator.js";
import { openRegistryStore } from "../store/open-registry-store.js";
import type { RegistryStore } from "../store/registry-store.js";
import { succeededCompile } from "../testing/succeeded-compile.js";
import { MAX_SHOWN_DIFF_LINES } from "./line-diff.js";
import { createReviewHandler } from "./review-handler.js";

const BOB = "b".repeat(24);
const ann: Caller = { actor: "user:ann", tenants: ["acme"] };
const bob: Caller = { actor: "user:bob", tenants: ["acme"] };

let store: RegistryStore;
let registry: Registry;
let server: Server;
let base: string;

/** `count` files of `lines` lines each, every line distinct and tagged with `tag`. */
function files(tag: string, count: number, lines: number) {
  return Array.from({ length: count }, (_, f) => ({
    path: `src/f${f}.ts`,
    contentBase64: Buffer.from(Array.from({ length: lines }, (_, i) => `${tag}${i}`).join("\n")).toString(
      "base64",
    ),
  }));
}

async function version(files: Array<{ path: string; contentBase64: string }>) {
  const draft = await registry.createDraft(ann, {
    tenantId: "acme",
    extensionId: "huge",
    kind: "process_hook",
    riskTier: "medium",
  });
  const key = { tenantId: "acme", extensionId: "huge", version: draft.revision.version };
  await registry.uploadSource(ann, { ...key, language: "assemblyscript", files, manifestJson: "{}" });
  await registry.requestCompile(ann, key);
  await registry.idle();
  await registry.requestPromotion(ann, { ...key, env: "dev" });
  return key;
}

beforeAll(async () => {
  store = await openRegistryStore(":memory:");
  registry = createRegistry({
    store,
    compiler: () => succeededCompile(),
    reviewersOf: () => ["user:ann", "user:bob"],
  });
  const authenticate = createAuthenticator({
    tokens: [{ token: BOB, identity: "user:bob", tenants: ["acme"] }],
  });
  const review = createReviewHandler({ registry, authenticate });
  server = createServer((req, res) => {
    void review(req, res).then((served) => {
      if (!served) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // v1 runs in dev; v2 changes every line of its 40 files and adds one of 100,000 lines.
  const v1 = await version(files("a", 40, 1000));
  await registry.approve(bob, { ...v1, env: "dev", comment: "" });
  await version([...files("b", 40, 1000), ...files("c", 1, 100_000).map((f) => ({ ...f, path: "z.ts" }))]);
}, 120_000);

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
  return `ameide_review=${/ameide_review=([^;]*)/.exec(res.headers.getSetCookie().join(","))?.[1]}`;
}

describe("the review page of a version with very large sources", () => {
  it("shows at most MAX_SHOWN_DIFF_LINES diff lines, says what it left out, and the server still serves", async () => {
    const session = await signIn(BOB);
    const res = await fetch(`${base}/review/t/acme/x/huge/v/2`, { headers: { cookie: session } });
    expect(res.status).toBe(200);
    const html = await res.text();
    const shown = html.match(/<div class="(?:add|del|same)">/g)?.length ?? 0;
    expect(shown).toBeLessThanOrEqual(MAX_SHOWN_DIFF_LINES);
    expect(html).toMatch(/id="diff-cut"[^>]*data-rule="review_diff_size"/);
    expect(html.length).toBeLessThan(4 * 1024 * 1024);
    const list = await fetch(`${base}/review`, { headers: { cookie: session } });
    expect(list.status).toBe(200);
    expect(await list.text()).toContain("huge");
  }, 60_000);
});
