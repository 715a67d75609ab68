// Logging through the host: each call appends one line to the invocation's
// log. The runtime caps lines and bytes per invocation.

import { writeLog } from "./abi";

export namespace log {
  /** Logs `message` at level "debug". */
  export function debug(message: string): void {
    writeLog("debug", message);
  }

  /** Logs `message` at level "info". */
  export function info(message: string): void {
    writeLog("info", message);
  }

  /** Logs `message` at level "warn". */
  export function warn(message: string): void {
    writeLog("warn", message);
  }

  /** Logs `message` at level "error". */
  export function error(message: string): void {
    writeLog("error", message);
  }
}
