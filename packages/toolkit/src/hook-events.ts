import type { BuildDiagnostic } from "@ameide-ext/pdk";
import type { HookManifest } from "./hook-manifest/manifest-schema.js";
import type { CaseResult } from "./hook-test/test-hook.js";

/**
 * What the commands report while they work. The plain reporter prints these
 * as lines, the interactive view renders them live; `--json` ignores them.
 */
export type HookEvent =
  /** `new` wrote one file. */
  | { type: "file-written"; file: string }
  /** The manifest was read and checked. */
  | { type: "manifest"; dir: string; manifest: HookManifest }
  /** Compilation started (not sent when dist/ holds a build of exactly these sources). */
  | { type: "compile-start"; entry: string }
  /** The component is ready. */
  | {
      type: "compile-done";
      cached: boolean;
      durationMs: number;
      bytes: number;
      bytesLimit: number;
      sha256: string;
      warnings: BuildDiagnostic[];
    }
  /** The engine loaded the component: contract checked, metered, memory capped. */
  | { type: "validate-done"; durationMs: number; world: string }
  /** `dist/<id>.wasm` was written. */
  | { type: "wasm-written"; file: string }
  /** The test cases about to run, in order. */
  | { type: "cases"; names: string[] }
  /** One case finished. */
  | { type: "case-done"; index: number; result: CaseResult };

/** Receives events. */
export type EventSink = (event: HookEvent) => void;
