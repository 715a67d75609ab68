import type { BuildHookResult, RunHookResult, TestHookResult } from "@ameide-ext/toolkit";
import type { NewHookResult } from "../new/new-hook.js";

/** A command's result, tagged with the command. */
export type CommandOutcome =
  | { command: "new"; result: NewHookResult }
  | { command: "build"; result: BuildHookResult }
  | { command: "test"; result: TestHookResult }
  | { command: "run"; result: RunHookResult };

/** The commands. */
export type CommandName = CommandOutcome["command"];
