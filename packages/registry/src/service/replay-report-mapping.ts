import { type ReplayReport, ReplayReportSchema } from "@ameide-ext/proto";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { EventRecord, ReplayReportRecord } from "../domain/types.js";
import { envTo } from "./proto-mapping.js";

/** A replay report attached to a version, as the proto's ReplayReport. */
export function replayReportTo(r: ReplayReportRecord): ReplayReport {
  return create(ReplayReportSchema, {
    env: envTo(r.env),
    summary: r.summary,
    reportJson: r.reportJson,
    attachedBy: r.attachedBy,
    attachedAt: timestampFromDate(new Date(r.attachedAt)),
  });
}

/** The summary of the replay report a promotion's event stored (ExtensionEvent.replay_summary); "" when none. */
export function replaySummaryOf(e: Pick<EventRecord, "data">): string {
  const report = e.data.replayReport as { summary?: unknown } | undefined;
  return typeof report?.summary === "string" ? report.summary : "";
}
