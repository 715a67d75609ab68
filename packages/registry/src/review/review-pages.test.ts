import { describe, expect, it } from "vitest";
import type { Caller, RevisionView } from "../domain/registry.js";
import type { RevisionRecord } from "../domain/types.js";
import { sourcesDiff } from "./line-diff.js";
import { approveBlocked, pendingListPage, signInPage, versionPage } from "./review-pages.js";

const HOSTILE = `</div><script>alert("x")</script><img src=x onerror=alert(1)>'"&`;

function view(over: Partial<RevisionRecord> = {}): RevisionView {
  const revision: RevisionRecord = {
    tenantId: "acme",
    extensionId: "deal-guard",
    version: "2",
    state: "in_review",
    rowVersion: 3,
    kind: "process_hook",
    riskTier: "medium",
    limits: { timeout_ms: 50 },
    hostCalls: [{ service: "crm.Deals", method: "Get", read_only: true }],
    description: HOSTILE,
    createdBy: "agent:l2o",
    tags: [],
    inputSchemaJson: "",
    outputSchemaJson: "",
    baseVersion: "",
    language: "assemblyscript",
    sources: [],
    manifestJson: "{}",
    compile: {
      status: "succeeded",
      toolchain: "asc",
      diagnostics: [],
      tests: [
        {
          name: HOSTILE,
          passed: false,
          message: HOSTILE,
          inputJson: "{}",
          outputJson: "{}",
          durationUs: 12_000,
          maxLimitRatio: 0.3,
        },
      ],
      moduleBytes: 1000,
      startedAt: "t",
    },
    pending: {
      env: "dev",
      requestedBy: "agent:l2o",
      requestedAt: "t",
      approvalsRequired: 1,
      approvers: [],
      comment: HOSTILE,
    },
    wasmBlobRef: "",
    sha256: "",
    createdAt: "t",
    updatedAt: "t",
    ...over,
  };
  return {
    revision,
    approvals: [],
    events: [],
    mayApprove: { approvers: [], excluded: [revision.createdBy], eligible: ["user:bob"] },
  };
}

const bob: Caller = { actor: "user:bob", tenants: ["acme"] };

/** No raw markup of the hostile text survives; its escaped form does. */
function expectEscaped(html: string) {
  expect(html).not.toContain("<script>");
  expect(html).not.toContain("<img");
  expect(html).toContain("&lt;/div&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
}

describe("the review page's HTML", () => {
  it("escapes hostile sources in the diff, and descriptions, fixture names, messages and comments", () => {
    const diff = sourcesDiff(
      new Map([["src/index.ts", "ok\n"]]),
      new Map([["src/index.ts", `${HOSTILE}\n`]]),
    );
    const html = versionPage({ caller: bob, csrf: "c", view: view(), runningVersion: "1", diff });
    expectEscaped(html);
    expect(html.match(/<script/g)).toBeNull();
  });

  it("escapes hostile ids and paths (in text and in attributes)", () => {
    const v = view({ extensionId: HOSTILE, tenantId: HOSTILE, createdBy: HOSTILE });
    const diff = sourcesDiff(new Map(), new Map([[HOSTILE, "x\n"]]));
    const html = versionPage({
      caller: { actor: HOSTILE, tenants: ["*"] },
      csrf: HOSTILE,
      view: v,
      runningVersion: "",
      diff,
    });
    expectEscaped(html);
    const list = pendingListPage({ actor: HOSTILE, tenants: ["*"] }, HOSTILE, HOSTILE, [v]);
    expectEscaped(list);
    expect(list).toContain(`href="/review/t/%3C%2Fdiv%3E%3Cscript%3Ealert(%22x%22)`);
  });

  it("escapes a refusal's message on the sign-in page", () => {
    const html = signInPage("c", { code: "unauthenticated", rule: HOSTILE, message: HOSTILE, fix: HOSTILE });
    expectEscaped(html);
  });

  it("puts the CSRF token in every form", () => {
    const html = versionPage({ caller: bob, csrf: "tok123", view: view(), runningVersion: "", diff: [] });
    const forms = html.match(/<form[\s\S]*?<\/form>/g) ?? [];
    expect(forms.length).toBe(3); // sign-out, approve, reject
    for (const f of forms) expect(f).toContain('name="csrf" value="tok123"');
  });

  it("disables Approve for the author, an agent or a reviewer who approved, naming the rule and who may", () => {
    const ann: Caller = { actor: "user:ann", tenants: ["acme"] };
    const byAnn = view({ createdBy: "user:ann" });
    byAnn.mayApprove = { approvers: [], excluded: ["user:ann"], eligible: ["user:bob"] };
    expect(approveBlocked(ann, byAnn)).toMatchObject({
      rule: "self_approval",
      fix: expect.stringContaining("user:bob"),
    });
    expect(approveBlocked({ actor: "agent:x", tenants: ["acme"] }, byAnn)).toMatchObject({
      rule: "agent_cannot_approve",
    });
    expect(approveBlocked(bob, byAnn)).toBeUndefined();
    // A service's credential is no reviewer: both buttons off, and it is not shown as a human.
    const runtime: Caller = { actor: "service:runtime-prod", tenants: ["*"] };
    expect(approveBlocked(runtime, byAnn)).toMatchObject({ rule: "service_scope" });
    const asService = versionPage({ caller: runtime, csrf: "c", view: byAnn, runningVersion: "", diff: [] });
    expect(asService).toMatch(/<button type="submit" id="approve" disabled/);
    expect(asService).toMatch(/<button type="submit" id="reject" disabled/);
    const byService = versionPage({
      caller: bob,
      csrf: "c",
      view: view({ createdBy: "service:runtime-prod" }),
      runningVersion: "",
      diff: [],
    });
    expect(byService).not.toContain("human <code>service:runtime-prod</code>");
    const html = versionPage({ caller: ann, csrf: "c", view: byAnn, runningVersion: "", diff: [] });
    expect(html).toMatch(/<button type="submit" id="approve" disabled/);
    expect(html).toContain('data-rule="self_approval"');
    const open = versionPage({ caller: bob, csrf: "c", view: byAnn, runningVersion: "", diff: [] });
    expect(open).not.toMatch(/id="approve" disabled/);
  });

  it("shows each fixture's limit usage and time as bars against the limit", () => {
    const html = versionPage({ caller: bob, csrf: "c", view: view(), runningVersion: "", diff: [] });
    expect(html).toContain('<meter min="0" max="1"');
    expect(html).toContain('value="0.3"');
    expect(html).toContain('max="50"'); // timeout_ms
    expect(html).toContain('value="12"'); // 12 ms
  });

  it("shows 3 lines of context around each change and folds the unchanged lines between", () => {
    const before = Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n");
    const after = before.replace("line 15", "line fifteen");
    const diff = sourcesDiff(new Map([["a.ts", before]]), new Map([["a.ts", after]]));
    const html = versionPage({ caller: bob, csrf: "c", view: view(), runningVersion: "1", diff });
    for (const kept of ["line 12", "line 14", "line 16", "line 18"]) expect(html).toContain(`  ${kept}<`);
    expect(html).not.toContain("  line 11<");
    expect(html).not.toContain("  line 19<");
    expect(html).toContain('<div class="fold">… 12 unchanged lines …</div>');
    expect(html).toContain('<div class="fold">… 11 unchanged lines …</div>');
  });

  it("says what was done after an approval", () => {
    const html = versionPage({
      caller: bob,
      csrf: "c",
      view: view(),
      runningVersion: "",
      diff: [],
      notice: "Approved.",
    });
    expect(html).toContain('<div class="notice" id="notice">Approved.</div>');
  });
});
