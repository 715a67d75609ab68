import type { BuildDiagnostic } from "@ameide-ext/pdk";
import type { CaseResult, HookEvent, HookManifest } from "@ameide-ext/toolkit";
import type { CommandName, CommandOutcome } from "../command-outcome.js";

/** What the interactive view shows: the events so far, folded, then the result or the error. */
export interface ProgressState {
  command: CommandName;
  manifest?: HookManifest;
  compile?:
    | { status: "running"; entry: string }
    | {
        status: "done";
        cached: boolean;
        durationMs: number;
        bytes: number;
        bytesLimit: number;
        sha256: string;
        warnings: BuildDiagnostic[];
      };
  validated?: { world: string; durationMs: number };
  files: string[];
  cases?: { names: string[]; results: Array<CaseResult | undefined> };
  outcome?: CommandOutcome;
  error?: { heading: string; text: string };
}

/** The state before any event. */
export function initialProgress(command: CommandName): ProgressState {
  return { command, files: [] };
}

/** Folds one event into the state (pure). */
export function reduceProgress(state: ProgressState, e: HookEvent): ProgressState {
  switch (e.type) {
    case "file-written":
      return { ...state, files: [...state.files, e.file] };
    case "manifest":
      return { ...state, manifest: e.manifest };
    case "compile-start":
      return { ...state, compile: { status: "running", entry: e.entry } };
    case "compile-done": {
      const { type: _t, ...done } = e;
      return { ...state, compile: { status: "done", ...done } };
    }
    case "validate-done":
      return { ...state, validated: { world: e.world, durationMs: e.durationMs } };
    case "wasm-written":
      return state;
    case "cases":
      return { ...state, cases: { names: e.names, results: e.names.map(() => undefined) } };
    case "case-done": {
      if (!state.cases) return state;
      const results = [...state.cases.results];
      results[e.index] = e.result;
      return { ...state, cases: { ...state.cases, results } };
    }
  }
}
