import type { BuildHookResult } from "../build/build-hook.js";
import type { NewHookResult } from "../new/new-hook.js";
import type { RunHookResult } from "../run/run-hook.js";
import type { TestHookResult } from "../test/test-hook.js";

/** A command's result, tagged with the command. */
export type CommandOutcome =
  | { command: "new"; result: NewHookResult }
  | { command: "build"; result: BuildHookResult }
  | { command: "test"; result: TestHookResult }
  | { command: "run"; result: RunHookResult };

/** The commands. */
export type CommandName = CommandOutcome["command"];
