import type { RevisionView } from "../domain/registry.js";
import { esc } from "./review-html.js";

/**
 * The version page's replay reports (`ameide-ext replay --attach`): each attached report's summary, the pending
 * promotion's environment first, escaped; or that none is attached. The page says what a report is: evidence for
 * the reviewers, not a proof (the registry cannot run it again).
 */
export function replayReportSection(view: RevisionView): string {
  const pendingEnv = view.revision.pending?.env;
  const reports = [...(view.replayReports ?? [])].sort(
    (a, b) => Number(b.env === pendingEnv) - Number(a.env === pendingEnv),
  );
  const items = reports
    .map(
      (r) =>
        `<li data-env="${esc(r.env)}"><strong>${esc(r.env)}</strong>: ${esc(r.summary)} <small>(attached by ${esc(r.attachedBy)} at ${esc(r.attachedAt)})</small></li>`,
    )
    .join("");
  return `<section id="replay-reports"><h3>Replay against recorded decisions</h3>
${reports.length > 0 ? `<ul>${items}</ul>` : "<p>No replay report is attached to this version.</p>"}
<p class="why">A replay report is evidence, not a proof: <code>ameide-ext replay --against ${esc(view.revision.version)} --attach</code> ran the recorded invocations against this version on the attacher's machine, and the registry keeps what it sent without running it again.</p></section>`;
}
