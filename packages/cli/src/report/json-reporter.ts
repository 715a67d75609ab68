import type { CliDeps } from "../deps.js";
import { describeFailure, errorHeading } from "./format.js";
import { toErrorDocument, toJsonDocument } from "./json-documents.js";
import type { Reporter } from "./reporter.js";
import { terminalSafe } from "./terminal-text.js";

/**
 * `--json`: exactly one JSON document on stdout, as JSON.stringify writes it; a failure is also described on
 * stderr, for people watching, {@link terminalSafe}.
 */
export function createJsonReporter(deps: CliDeps): Reporter {
  return {
    event: () => {},
    async done(outcome) {
      deps.stdout.write(`${JSON.stringify(toJsonDocument(outcome))}\n`);
    },
    async fail(error) {
      deps.stdout.write(`${JSON.stringify(toErrorDocument(error))}\n`);
      deps.stderr.write(
        `${terminalSafe(`${errorHeading(error)}: ${await describeFailure(error, deps.cwd)}`)}\n`,
      );
    },
  };
}
