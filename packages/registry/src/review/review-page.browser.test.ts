import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Caller } from "../domain/registry.js";
import type { SourceFileRecord } from "../domain/types.js";
import { checkRegistryConfig } from "../service/registry-config.js";
import { type RunningRegistry, startRegistry } from "../service/start-registry.js";
import { findChromium } from "../testing/find-chromium.js";
import { editFile, hookRevision } from "../testing/hook-revision.js";

// The review page in a real browser: headless Chromium (Debian's) drives a registry started here, with
// the real compile worker. UPDATE_SCREENSHOTS=1 writes the screenshots into docs/images/.

const BOB_TOKEN = "bob-token-0123456789";
const ANN_TOKEN = "ann-token-0123456789";
const agent: Caller = { actor: "agent:l2o", tenants: ["acme"] };
const ann: Caller = { actor: "user:ann", tenants: ["acme"] };
const bob: Caller = { actor: "user:bob", tenants: ["acme"] };
const MARKER = "// reviewed change: <script>alert('hostile')</script>";
const DOCS_IMAGES = join(dirname(fileURLToPath(import.meta.url)), "../../../../docs/images");

let work: string;
let running: RunningRegistry;
let browser: Browser;

/** Uploads `files`, compiles, waits, and asks for promotion to dev, as `by`. */
async function pendingVersion(
  by: Caller,
  extensionId: string,
  files: SourceFileRecord[],
  manifestJson: string,
) {
  const draft = await running.registry.createDraft(by, {
    tenantId: "acme",
    extensionId,
    kind: "process_hook",
    riskTier: "medium",
  });
  const key = { tenantId: "acme", extensionId, version: draft.revision.version };
  await running.registry.uploadSource(by, { ...key, language: "assemblyscript", files, manifestJson });
  await running.registry.requestCompile(by, key);
  await running.registry.idle();
  const compiled = (await running.registry.get(by, key)).revision.revision;
  expect(compiled.compile?.status, JSON.stringify(compiled.compile?.diagnostics)).toBe("succeeded");
  await running.registry.requestPromotion(by, { ...key, env: "dev" });
  return key;
}

/** Signs in on a fresh page with `token`. */
async function signIn(token: string): Promise<Page> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.goto(`${running.url}/review`);
  await page.type("#token", token);
  await Promise.all([page.waitForNavigation(), page.click("#sign-in")]);
  return page;
}

/** Saves a screenshot into docs/images/ when UPDATE_SCREENSHOTS=1, else into the work folder. */
async function screenshot(page: Page, name: string) {
  const folder = process.env.UPDATE_SCREENSHOTS === "1" ? DOCS_IMAGES : work;
  await mkdir(folder, { recursive: true });
  await page.screenshot({ path: join(folder, name) as `${string}.png`, fullPage: true });
}

beforeAll(async () => {
  const executablePath = findChromium();
  work = await mkdtemp(join(tmpdir(), "ameide-review-browser-"));
  const config = checkRegistryConfig(
    {
      database: "registry.db",
      listen: { port: 0 },
      modules: { root: "modules" },
      auth: {
        tokens: [
          { token: BOB_TOKEN, identity: "user:bob", tenants: ["acme"] },
          { token: ANN_TOKEN, identity: "user:ann", tenants: ["acme"] },
          { token: "agent-token-0123456789", identity: "agent:l2o", tenants: ["acme"] },
        ],
      },
      governance: { agents: { "agent:l2o": { max_risk_tier: "medium" } } },
    },
    work,
  );
  running = await startRegistry({ config, logger: pino({ level: "silent" }) });
  browser = await puppeteer.launch({
    executablePath,
    headless: true,
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await running?.close(100);
  if (work) await rm(work, { recursive: true, force: true });
});

describe("the review page in headless Chromium", () => {
  it("signs in, sees a pending medium-risk promotion and its diff against what dev runs, approves, sees it promoted", async () => {
    // v1, by the agent, approved by ann: what dev runs.
    const rev = await hookRevision(join(work, "hook"), "process_hook", (dir) =>
      editFile(join(dir, "extension.json"), '"risk_tier": "low"', '"risk_tier": "medium"'),
    );
    expect(rev.riskTier).toBe("medium");
    const v1 = await pendingVersion(agent, "deal-guard", rev.sources, rev.manifestJson);
    await running.registry.approve(ann, { ...v1, env: "dev" });
    // v2, by the agent, with one changed line: waits for review.
    const index = rev.sources.find((f) => f.path.endsWith("index.ts"));
    if (!index) throw new Error("the scaffold has no index.ts");
    const changed = rev.sources.map((f) =>
      f === index
        ? {
            ...f,
            contentBase64: Buffer.from(
              `${Buffer.from(f.contentBase64, "base64").toString()}${MARKER}\n`,
            ).toString("base64"),
          }
        : f,
    );
    const v2 = await pendingVersion(agent, "deal-guard", changed, rev.manifestJson);

    const page = await signIn(BOB_TOKEN);
    expect(await page.$eval("#signed-in-as", (e) => e.textContent)).toBe("user:bob");
    const row = await page.$eval(
      `tr.pending[data-extension="deal-guard"][data-version="${v2.version}"]`,
      (e) => e.textContent ?? "",
    );
    expect(row).toContain("medium");
    expect(row).toContain("agent:l2o");
    await screenshot(page, "review-list.png");

    await Promise.all([page.waitForNavigation(), page.click(`tr.pending[data-version="${v2.version}"] a`)]);
    expect(await page.$eval("#risk-tier", (e) => e.textContent)).toBe("medium");
    expect(await page.$eval("#author", (e) => e.textContent)).toContain("agent agent:l2o");
    expect(await page.$eval("#diff-base", (e) => e.textContent)).toContain(`v${v1.version}, running in dev`);
    const added = await page.$$eval("#diff .add", (els) => els.map((e) => e.textContent));
    expect(added).toEqual([`+ ${MARKER}`]); // the hostile line is shown as text, not run
    expect(await page.$$eval("#diff script", (els) => els.length)).toBe(0);
    expect(await page.$$eval("#fixtures tr.fixture meter", (els) => els.length)).toBeGreaterThan(0);
    expect(await page.$eval("#approve", (e) => (e as HTMLButtonElement).disabled)).toBe(false);
    await screenshot(page, "review-version.png");

    await page.type("#approve-comment", "looks right");
    await Promise.all([page.waitForNavigation(), page.click("#approve")]);
    expect(await page.$eval("#state", (e) => e.textContent)).toBe("promoted_dev");
    expect(await page.$eval("#notice", (e) => e.textContent)).toBe(
      "Approved: the version is promoted to dev.",
    );
    expect(await page.$eval("#approvals", (e) => e.textContent)).toContain("user:bob approved dev");
    expect((await running.registry.get(bob, v2)).extension.deployments).toMatchObject([
      { env: "dev", activeVersion: v2.version },
    ]);
  }, 180_000);

  it("shows an author Approve disabled with the rule and who may approve instead", async () => {
    const rev = await hookRevision(join(work, "hook2"), "process_hook", (dir) =>
      editFile(join(dir, "extension.json"), '"risk_tier": "low"', '"risk_tier": "medium"'),
    );
    // The scaffold names the extension deal-guard: ann makes a version of it herself.
    const key = await pendingVersion(ann, "deal-guard", rev.sources, rev.manifestJson);
    const page = await signIn(ANN_TOKEN);
    await Promise.all([page.waitForNavigation(), page.click(`tr.pending[data-version="${key.version}"] a`)]);
    expect(await page.$eval("#approve", (e) => (e as HTMLButtonElement).disabled)).toBe(true);
    const why = await page.$eval("#approve-why", (e) => ({
      rule: e.getAttribute("data-rule"),
      text: e.textContent ?? "",
    }));
    expect(why.rule).toBe("self_approval");
    expect(why.text).toContain("user:bob");
    await screenshot(page, "review-author.png");
    expect((await running.registry.get(ann, key)).revision.revision.state).toBe("in_review");
  }, 180_000);
});
