import type { ExtensionErrorData } from "@ameide-ext/contract";
import type { GuestSnapshot } from "../instance/instance-lifecycle.js";
import type { CompiledExtension, CompileOptions } from "./compile-extension.js";

/** A load asked of the load worker: the bytes and how to compile them (no module cache: the worker keeps its own). */
export interface LoadJob {
  id: number;
  bytes: Uint8Array;
  options: Omit<CompileOptions, "linkedModules">;
}

/** What the load worker hands back: the compiled extension and its snapshot, or why it was refused. */
export type LoadReply =
  | { id: number; compiled: CompiledExtension; snapshot: GuestSnapshot | undefined; warmMs: number }
  | { id: number; error: ExtensionErrorData };
