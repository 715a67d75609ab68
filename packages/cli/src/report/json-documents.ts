import type { ExtensionError } from "@ameide-ext/contract";
import type { HookStats } from "@ameide-ext/toolkit";
import type { CommandOutcome } from "./command-outcome.js";
import { detailsWithFix } from "./error-fix.js";

/** The error of a failed command, as `--json` prints it (and `ameide-ext mcp` answers a tool error with). */
export interface ErrorDocument {
  ok: false;
  error: {
    code: string;
    reason: string | null;
    message: string;
    /** The error's facts (typed by reason in `schema error`) and `fix`, its one-line remedy. */
    details: Record<string, unknown> & { fix: string };
  };
}

/** The one JSON document a command prints with `--json` (schemas in docs/cli.md and OUTPUT_SCHEMAS). */
export type JsonDocument = Record<string, unknown> & { ok: boolean };

/** `ameide-ext <command> --json` on success (or, for test and run, on a failed case or invocation). */
export function toJsonDocument(outcome: CommandOutcome): JsonDocument {
  switch (outcome.command) {
    case "new": {
      const r = outcome.result;
      return {
        ok: true,
        dir: r.dir,
        id: r.id,
        kind: r.kind,
        lang: r.lang,
        riskTier: r.riskTier,
        createdBy: r.createdBy,
        files: r.files,
        devFlags: r.devFlags,
      };
    }
    case "build": {
      const r = outcome.result;
      return {
        ok: true,
        id: r.manifest.id,
        wasm: r.wasm,
        sha256: r.sha256,
        bytes: r.bytes,
        bytesLimit: r.bytesLimit,
        durationMs: round(r.durationMs),
        world: r.world,
        warnings: r.warnings.map((d) => ({
          file: d.file,
          line: d.line,
          column: d.column,
          code: d.code,
          message: d.message,
        })),
      };
    }
    case "test": {
      const r = outcome.result;
      return {
        ok: r.ok,
        id: r.manifest.id,
        sha256: r.build.sha256,
        passed: r.passed,
        failed: r.failed,
        updated: r.updated,
        cases: r.cases.map((c) => {
          const doc: Record<string, unknown> = {
            name: c.name,
            file: c.file,
            ok: c.ok,
            status: c.status,
            output: c.output,
            error: c.error,
            stats: stats(c.stats),
            failures: c.failures,
            warnings: c.warnings,
            logs: c.logs,
          };
          if (c.diff !== undefined) doc.diff = c.diff;
          return doc;
        }),
      };
    }
    case "run": {
      const r = outcome.result;
      return {
        ok: r.ok,
        id: r.manifest.id,
        sha256: r.build.sha256,
        riskTier: r.riskTier,
        output: r.output,
        error: r.error,
        stats: stats(r.stats),
        logs: r.logs,
        warnings: r.warnings,
      };
    }
  }
}

/** `{ ok: false, error: { code, reason, message, details } }`, with `details.fix` always ({@link detailsWithFix}). */
export function toErrorDocument(error: ExtensionError): ErrorDocument {
  return {
    ok: false,
    error: {
      code: error.code,
      reason: error.reason ?? null,
      message: error.message,
      details: detailsWithFix(error),
    },
  };
}

function stats(s: HookStats): HookStats {
  return { ...s, durationUs: Math.round(s.durationUs) };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
