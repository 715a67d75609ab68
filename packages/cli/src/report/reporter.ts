import type { ExtensionError } from "@ameide-ext/contract";
import type { EventSink } from "@ameide-ext/toolkit";
import type { CommandOutcome } from "./command-outcome.js";

// The reporters (json-reporter.ts, plain-reporter.ts, ink/ink-reporter.tsx) implement this; create-reporter.ts
// picks one. The interface lives apart from the factory so that no reporter imports the module that loads it.

/** Presents one command: its progress events, then its result or its error. */
export interface Reporter {
  /** Progress. */
  event: EventSink;
  /** The command's result. */
  done(outcome: CommandOutcome): Promise<void>;
  /** The command could not do its work. */
  fail(error: ExtensionError): Promise<void>;
}
