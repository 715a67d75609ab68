import { DEFAULT_LIMITS } from "@ameide-ext/contract";
import { APPROVALS_REQUIRED, isAgent, isHuman, RULES } from "../domain/governance.js";
import { approvalFix } from "../domain/may-approve.js";
import type { Caller, RevisionView } from "../domain/registry.js";
import type { TestResultRecord } from "../domain/types.js";
import { type FileDiff, MAX_SHOWN_DIFF_LINES, withContext } from "./line-diff.js";
import { replayReportSection } from "./replay-report-section.js";
import { csrfField, esc, page } from "./review-html.js";

/** A refusal as the page shows it: the coded error, the rule it names and the fix. */
export interface Refusal {
  code: string;
  rule: string;
  message: string;
  fix: string;
}

/** The sign-in page: a form taking the bearer token the API takes. */
export function signInPage(csrf: string, refusal?: Refusal | undefined): string {
  return page(
    "Sign in",
    `${refusal ? refusalBlock(refusal) : ""}
<form method="post" action="/review/sign-in">${csrfField(csrf)}
<p><label for="token">Bearer token (the same one the API and <code>AMEIDE_TOKEN</code> take)</label><br>
<input id="token" name="token" type="password" autocomplete="off" size="60" required></p>
<p><button type="submit" id="sign-in">Sign in</button></p></form>`,
  );
}

/** The block that shows a refusal: code, rule and the fix. */
export function refusalBlock(r: Refusal): string {
  return `<div class="refusal" role="alert" id="refusal" data-code="${esc(r.code)}" data-rule="${esc(r.rule)}">
<p><strong>Refused (${esc(r.code)}${r.rule ? `, rule <code>${esc(r.rule)}</code>` : ""})</strong>: ${esc(r.message)}</p>
${r.fix ? `<p>Fix: ${esc(r.fix)}</p>` : ""}</div>`;
}

/** The link to one version's page. */
export function versionHref(tenantId: string, extensionId: string, version: string): string {
  return `/review/t/${encodeURIComponent(tenantId)}/x/${encodeURIComponent(extensionId)}/v/${encodeURIComponent(version)}`;
}

/** A tenant picker, for a caller acting for every tenant ("*"). */
export function tenantPickerPage(caller: Caller, csrf: string): string {
  return page(
    "Pick a tenant",
    `<form method="get" action="/review"><p><label for="tenant">Tenant</label>
<input id="tenant" name="tenant" required pattern="[A-Za-z0-9._-]+"> <button type="submit">Show pending promotions</button></p></form>`,
    { actor: caller.actor, csrf },
  );
}

/** The list of a tenant's pending promotions. */
export function pendingListPage(
  caller: Caller,
  csrf: string,
  tenantId: string,
  pending: RevisionView[],
): string {
  const rows = pending
    .map(({ revision: r }) => {
      const p = r.pending;
      return `<tr class="pending" data-extension="${esc(r.extensionId)}" data-version="${esc(r.version)}">
<td><a href="${esc(versionHref(r.tenantId, r.extensionId, r.version))}">${esc(r.extensionId)} v${esc(r.version)}</a></td>
<td>${esc(p?.env ?? "")}</td><td class="tier-${esc(r.riskTier)}">${esc(r.riskTier)}</td><td>${authorLabel(r.createdBy)}</td>
<td>${esc(p?.requestedBy ?? "")}</td><td>${esc(p?.approvers.length ?? 0)} / ${esc(p?.approvalsRequired ?? 0)}</td></tr>`;
    })
    .join("\n");
  return page(
    `Pending promotions of ${tenantId}`,
    `<h2>Pending promotions of tenant <span id="tenant">${esc(tenantId)}</span></h2>
${
  pending.length === 0
    ? `<p id="none">Nothing waits for review.</p>`
    : `<table id="pending"><thead><tr><th>Version</th><th>To</th><th>Risk tier</th><th>Made by</th><th>Requested by</th><th>Approvals</th></tr></thead>
<tbody>${rows}</tbody></table>`
}`,
    { actor: caller.actor, csrf },
  );
}

/** "agent (agent:x)", "human (user:x)" or "service (service:x)". */
function authorLabel(actor: string): string {
  const kind = isAgent(actor) ? "agent" : isHuman(actor) ? "human" : "service";
  return `<span class="author">${kind} <code>${esc(actor)}</code></span>`;
}

/** Why `caller` may not approve the pending promotion of `view` (the rule the registry would apply), if so. */
export function approveBlocked(caller: Caller, view: RevisionView): Refusal | undefined {
  const rev = view.revision;
  const may = view.mayApprove;
  if (!rev.pending || !may) return undefined;
  const fix = approvalFix(may, rev, rev.pending.env);
  if (isAgent(caller.actor))
    return {
      code: "permission_denied",
      rule: RULES.agentCannotApprove,
      message: `${caller.actor} is an agent: agents never approve`,
      fix,
    };
  if (!isHuman(caller.actor))
    return {
      code: "permission_denied",
      rule: RULES.serviceScope,
      message: `${caller.actor} is not a person (user:<id>): approvals are human`,
      fix,
    };
  // The excluded are its authors (the creator, and those of unreviewed bases it copies), then its approvers.
  if (may.excluded.includes(caller.actor) && !rev.pending.approvers.includes(caller.actor))
    return {
      code: "permission_denied",
      rule: RULES.selfApproval,
      message:
        caller.actor === rev.createdBy
          ? `${caller.actor} created version ${rev.version}: no one approves their own revision`
          : `${caller.actor} wrote an unreviewed version that version ${rev.version} was made from: no one approves their own code`,
      fix,
    };
  if (rev.pending.approvers.includes(caller.actor))
    return {
      code: "permission_denied",
      rule: RULES.duplicateApproval,
      message: `${caller.actor} approved this promotion already`,
      fix,
    };
  return undefined;
}

/** What the version page shows. */
export interface VersionPageData {
  caller: Caller;
  csrf: string;
  view: RevisionView;
  /** The version running in the pending promotion's environment (the diff's base); "" when none. */
  runningVersion: string;
  diff: FileDiff[];
  /** A refused action, shown at the top. */
  refusal?: Refusal | undefined;
  /** A done action ("approved", "rejected"), shown at the top. */
  notice?: string | undefined;
}

/** One version's review page. */
export function versionPage(d: VersionPageData): string {
  const r = d.view.revision;
  return page(
    `${r.extensionId} v${r.version}`,
    `${d.refusal ? refusalBlock(d.refusal) : ""}${d.notice ? `<div class="notice" id="notice">${esc(d.notice)}</div>` : ""}
<h2>${esc(r.extensionId)} <small>v${esc(r.version)} · tenant ${esc(r.tenantId)}</small></h2>
<table id="facts">
<tr><th>State</th><td id="state">${esc(r.state)}</td></tr>
<tr><th>Kind</th><td>${esc(r.kind)}</td></tr>
<tr><th>Made by</th><td id="author">${authorLabel(r.createdBy)}</td></tr>
<tr><th>Risk tier</th><td id="risk-tier" class="tier-${esc(r.riskTier)}">${esc(r.riskTier)}</td></tr>
<tr><th>Description</th><td>${esc(r.description)}</td></tr>
<tr><th>Requested host calls</th><td id="host-calls">${hostCalls(r.hostCalls)}</td></tr>
</table>
${gateSection(d)}
${replayReportSection(d.view)}
<h3>Source diff against the version running in ${esc(r.pending?.env ?? "the environment")}</h3>
<p id="diff-base">${d.runningVersion ? `Base: v${esc(d.runningVersion)}, running in ${esc(r.pending?.env ?? "")}.` : `Nothing runs in ${esc(r.pending?.env ?? "this environment")} yet: every file is new.`}</p>
${diffCut(d.diff)}<div id="diff">${d.diff.map(fileDiff).join("\n")}</div>
${compileSection(d.view)}
${approvalsSection(d.view)}`,
    { actor: d.caller.actor, csrf: d.csrf },
  );
}

/** The host calls a version requests. */
function hostCalls(calls: RevisionView["revision"]["hostCalls"]): string {
  if (calls.length === 0) return "none";
  return `<ul>${calls
    .map(
      (c) =>
        `<li><code>${esc(c.service)}.${esc(c.method)}</code>${c.read_only ? " (read-only)" : " (writes)"}</li>`,
    )
    .join("")}</ul>`;
}

/** One file's diff: the changes with their context, the unchanged runs between folded. */
function fileDiff(f: FileDiff): string {
  const lines = withContext(f.lines)
    .map((l) =>
      "fold" in l
        ? `<div class="fold">… ${esc(l.fold)} unchanged lines …</div>`
        : `<div class="${l.op === "+" ? "add" : l.op === "-" ? "del" : "same"}">${esc(l.op)} ${esc(l.text)}</div>`,
    )
    .join("");
  const omitted = f.omittedLines
    ? `<div class="fold">… ${esc(f.omittedLines)} more changed lines not shown …</div>`
    : "";
  return `<section class="file" data-change="${esc(f.change)}"><h4><code>${esc(f.path)}</code> (${esc(f.change)})</h4>
${f.change === "unchanged" ? "" : `<div class="diff">${lines}${omitted}</div>`}</section>`;
}

/** The notice that the page left changed lines out (the page's cap), or nothing. */
function diffCut(diff: readonly FileDiff[]): string {
  const omitted = diff.reduce((n, f) => n + (f.omittedLines ?? 0), 0);
  if (omitted === 0) return "";
  return `<p id="diff-cut" class="why" data-rule="review_diff_size">The diff is cut at ${esc(MAX_SHOWN_DIFF_LINES)} changed lines: ${esc(omitted)} more are not shown. Read the whole sources before approving (GetRevision returns them), or ask the author for a smaller change.</p>`;
}

/** The pending promotion, the rule that gates it, and the Approve / Reject forms. */
function gateSection(d: VersionPageData): string {
  const r = d.view.revision;
  const p = r.pending;
  const may = d.view.mayApprove;
  if (!p || !may) return `<h3>Promotion</h3><p id="gate">No promotion waits for review.</p>`;
  const blocked = approveBlocked(d.caller, d.view);
  const action = `${esc(versionHref(r.tenantId, r.extensionId, r.version))}`;
  const env = `<input type="hidden" name="env" value="${esc(p.env)}">`;
  // Agents and services never review: both forms stay, their buttons off.
  const noReviewer = !isHuman(d.caller.actor);
  const noReviewRule = isAgent(d.caller.actor) ? RULES.agentCannotReview : RULES.serviceScope;
  return `<h3>Promotion to ${esc(p.env)}</h3>
<div id="gate"><p>Requested by ${authorLabel(p.requestedBy)} at ${esc(p.requestedAt)}${p.comment ? `: “${esc(p.comment)}”` : ""}.</p>
<p id="rule">Rule: a ${esc(r.riskTier)} risk tier version needs ${esc(APPROVALS_REQUIRED[r.riskTier][p.env])} distinct human approval(s) for ${esc(p.env)} (<span id="approval-count">${esc(p.approvers.length)} of ${esc(p.approvalsRequired)}</span> so far).
Agents never approve; no one approves their own version or twice.
May not approve: ${may.excluded.map((a) => `<code>${esc(a)}</code>`).join(", ")}.
${may.eligible.length > 0 ? `May approve: ${may.eligible.map((a) => `<code>${esc(a)}</code>`).join(", ")}.` : `May approve: any other human of tenant ${esc(r.tenantId)}.`}</p></div>
<form method="post" action="${action}/approve" id="approve-form">${csrfField(d.csrf)}${env}
<p><label for="approve-comment">Comment</label><textarea id="approve-comment" name="comment"${blocked ? " disabled" : ""}></textarea></p>
<p><button type="submit" id="approve"${blocked ? ` disabled aria-describedby="approve-why"` : ""}>Approve</button>
${blocked ? `<span id="approve-why" class="why" data-rule="${esc(blocked.rule)}">You may not approve (rule <code>${esc(blocked.rule)}</code>): ${esc(blocked.message)}. ${esc(blocked.fix)}</span>` : ""}</p></form>
<form method="post" action="${action}/reject" id="reject-form">${csrfField(d.csrf)}${env}
<p><label for="reject-comment">Why reject (required)</label><textarea id="reject-comment" name="comment" required${noReviewer ? " disabled" : ""}></textarea></p>
<p><button type="submit" id="reject"${noReviewer ? " disabled" : ""}>Reject</button>${noReviewer ? ` <span class="why" data-rule="${esc(noReviewRule)}">Only people review (rule <code>${esc(noReviewRule)}</code>).</span>` : ""}</p></form>`;
}

/** The compile result and each fixture's result with its limit usage as bars. */
function compileSection(view: RevisionView): string {
  const r = view.revision;
  const c = r.compile;
  if (!c) return `<h3>Compile</h3><p id="compile">Not compiled.</p>`;
  const diagnostics =
    c.diagnostics.length === 0
      ? "<p>No diagnostics.</p>"
      : `<ul>${c.diagnostics
          .map(
            (x) =>
              `<li>${esc(x.severity)} ${esc(x.step)}/${esc(x.reason)} ${esc(x.path)}:${esc(x.line)}:${esc(x.column)}: ${esc(x.message)}</li>`,
          )
          .join("")}</ul>`;
  const timeoutMs = r.limits.timeout_ms || DEFAULT_LIMITS.timeoutMs;
  return `<h3>Compile</h3>
<p id="compile" data-status="${esc(c.status)}">${esc(c.status)} · ${esc(c.toolchain)} · ${esc(c.moduleBytes)} bytes</p>
${diagnostics}
<h3>Fixtures</h3>
${
  c.tests.length === 0
    ? "<p>No fixtures.</p>"
    : `<table id="fixtures"><thead><tr><th>Fixture</th><th>Result</th><th>Highest share of a limit (fuel, memory, time, output)</th><th>Time against timeout_ms ${esc(timeoutMs)}</th></tr></thead><tbody>
${c.tests.map((t) => fixtureRow(t, timeoutMs)).join("\n")}</tbody></table>`
}`;
}

/** A bar: `value` of `max`, with a label. */
function bar(value: number, max: number, label: string): string {
  const v = Number.isFinite(value) ? Math.max(0, value) : 0;
  return `<meter min="0" max="${esc(max)}" low="${esc(max * 0.5)}" high="${esc(max * 0.8)}" optimum="0" value="${esc(Math.min(v, max))}"></meter> ${esc(label)}`;
}

/** One fixture's row. */
function fixtureRow(t: TestResultRecord, timeoutMs: number): string {
  const ms = t.durationUs / 1000;
  return `<tr class="fixture" data-passed="${t.passed}"><td>${esc(t.name)}</td>
<td>${t.passed ? "passed" : `failed: ${esc(t.message)}`}</td>
<td>${bar(t.maxLimitRatio, 1, `${Math.round(t.maxLimitRatio * 100)}%`)}</td>
<td>${bar(ms, timeoutMs, `${ms.toFixed(2)} ms`)}</td></tr>`;
}

/** The approvals so far. */
function approvalsSection(view: RevisionView): string {
  if (view.approvals.length === 0) return `<h3>Approvals</h3><p id="approvals">None yet.</p>`;
  return `<h3>Approvals</h3><ul id="approvals">${view.approvals
    .map(
      (a) =>
        `<li><code>${esc(a.approver)}</code> approved ${esc(a.env)} at ${esc(a.time)}${a.comment ? `: “${esc(a.comment)}”` : ""}</li>`,
    )
    .join("")}</ul>`;
}
