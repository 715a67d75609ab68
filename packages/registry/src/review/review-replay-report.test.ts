import { describe, expect, it } from "vitest";
import type { Caller, RevisionView } from "../domain/registry.js";
import type { ReplayReportRecord, RevisionRecord } from "../domain/types.js";
import { versionPage } from "./review-pages.js";

const HOSTILE = `</div><script>alert("x")</script><img src=x onerror=alert(1)>'"&`;
const bob: Caller = { actor: "user:bob", tenants: ["acme"] };

function view(replayReports: ReplayReportRecord[]): RevisionView {
  const revision = {
    tenantId: "acme",
    extensionId: "deal-guard",
    version: "4",
    state: "promoted_staging",
    riskTier: "high",
    kind: "process_hook",
    hostCalls: [],
    description: "",
    createdBy: "user:ann",
    compile: undefined,
    pending: {
      env: "prod",
      requestedBy: "user:ann",
      requestedAt: "t",
      approvalsRequired: 2,
      approvers: [],
      comment: "",
    },
  } as unknown as RevisionRecord;
  return {
    revision,
    approvals: [],
    events: [],
    mayApprove: { approvers: [], excluded: ["user:ann"], eligible: ["user:bob"] },
    replayReports,
  };
}

const report = (env: "staging" | "prod", summary: string): ReplayReportRecord => ({
  tenantId: "acme",
  extensionId: "deal-guard",
  version: "4",
  env,
  summary,
  reportJson: "{}",
  attachedBy: "user:ann",
  attachedAt: "2026-12-06T03:00:00.000Z",
});

describe("the review page's replay reports", () => {
  it("shows each attached report's summary on the version page, the pending environment's first, escaped", () => {
    const html = versionPage({
      caller: bob,
      csrf: "c",
      view: view([
        report("prod", HOSTILE),
        report("staging", "version 4 changes 0 of the last 10 recorded staging decisions"),
      ]),
      runningVersion: "",
      diff: [],
    });
    const section = html.split('id="replay-reports"')[1]?.split("</section>")[0] ?? "";
    expect(section).toContain('data-env="prod"');
    expect(section).toContain("&lt;/div&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(section).toContain("version 4 changes 0 of the last 10 recorded staging decisions");
    expect(section.indexOf('data-env="prod"')).toBeLessThan(section.indexOf('data-env="staging"'));
    expect(section).toMatch(/evidence, not a proof/);
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
  });

  it("says when no replay report is attached", () => {
    const html = versionPage({ caller: bob, csrf: "c", view: view([]), runningVersion: "", diff: [] });
    expect(html).toMatch(/id="replay-reports"[\s\S]*No replay report is attached/);
  });
});
