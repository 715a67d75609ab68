// AssemblyScript's `abort` (failed assertions, `throw`, out-of-bounds
// accesses...) routed here by the build (`--use abort=...`), so the module
// imports nothing but the host interface. The message reaches the host's log
// at level "error", then the instance traps.

import { writeLog } from "./abi";

// An abort while building the message (say, out of memory) must not recurse.
let aborting = false;

/** Logs `abort: <message> at <file>:<line>:<column>` at level "error", then traps. */
export function pdkAbort(message: string | null, fileName: string | null, lineNumber: u32, columnNumber: u32): void {
  if (!aborting) {
    aborting = true;
    let text = "abort: " + (message !== null ? message : "(no message)");
    if (fileName !== null) {
      text += " at " + fileName + ":" + lineNumber.toString() + ":" + columnNumber.toString();
    }
    writeLog("error", text);
  }
  unreachable();
}
