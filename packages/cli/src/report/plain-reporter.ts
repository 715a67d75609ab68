import type { CaseResult, HookEvent } from "@ameide-ext/toolkit";
import { describeError, displayPath } from "@ameide-ext/toolkit";
import type { CliDeps } from "../deps.js";
import { cliInvocation } from "./cli-invocation.js";
import type { CommandName } from "./command-outcome.js";
import {
  describeFailure,
  errorHeading,
  formatBytes,
  formatMs,
  hookHeader,
  percent,
  statsLine,
  statsRows,
} from "./format.js";
import type { Reporter } from "./reporter.js";
import { terminalSafe, terminalSafeJson } from "./terminal-text.js";

const indent = (text: string, pad = "      ") =>
  text
    .split("\n")
    .map((l) => (l === "" ? l : pad + l))
    .join("\n");

/**
 * Plain lines, no color: progress on stderr, results on stdout. For pipes, logs, CI and NO_COLOR. Every
 * line is made {@link terminalSafe}: plain lines carry no escape sequence of their own, so any control
 * character in one came from a fixture, a hook or a server, and is shown, not acted on.
 */
export function createPlainReporter(command: CommandName, deps: CliDeps): Reporter {
  const out = (line = "") => deps.stdout.write(`${terminalSafe(line)}\n`);
  const err = (line = "") => deps.stderr.write(`${terminalSafe(line)}\n`);
  const show = (file: string) => displayPath(deps.cwd, file);

  const event = (e: HookEvent) => {
    switch (e.type) {
      case "manifest":
        if (command !== "new") err(hookHeader(e.manifest));
        return;
      case "compile-start":
        err(`compiling ${show(e.entry)} ...`);
        return;
      case "compile-done":
        if (e.cached) err(`using the build in dist/ (${formatBytes(e.bytes)}, sources unchanged)`);
        else err(`compiled ${formatBytes(e.bytes)} in ${formatMs(e.durationMs)}`);
        for (const w of e.warnings)
          err(`warning ${w.code}: ${show(w.file)}:${w.line}:${w.column} ${w.message}`);
        return;
      case "validate-done":
        err(`the engine accepts it: ${e.world}, metered, memory capped`);
        return;
      case "case-done":
        out(caseLines(e.result));
        return;
      default:
        return;
    }
  };

  return {
    event,
    async done(outcome) {
      switch (outcome.command) {
        case "new": {
          const r = outcome.result;
          const where = show(r.dir);
          out(`created ${where}: ${r.id}, a ${r.kind} in ${r.lang}, risk ${r.riskTier}, by ${r.createdBy}`);
          for (const f of r.files) out(`  ${f}`);
          out("");
          out("next:");
          for (const line of nextSteps(where, r.files, cliInvocation(deps), r.devFlags)) out(`  ${line}`);
          return;
        }
        case "build": {
          const r = outcome.result;
          out(`built ${show(r.wasm)}`);
          out(
            `  size    ${formatBytes(r.bytes)} of ${formatBytes(r.bytesLimit)} (${percent(r.bytes / r.bytesLimit)})`,
          );
          out(`  sha256  ${r.sha256}`);
          out(`  world   ${r.world}`);
          return;
        }
        case "test": {
          const r = outcome.result;
          if (r.cases.length === 0) err(`no fixtures in ${show(r.dir)}/tests: add tests/<case>.json files`);
          for (const f of r.updated) err(`updated ${f}`);
          out(`${r.passed} passed, ${r.failed} failed`);
          return;
        }
        case "run": {
          const r = outcome.result;
          for (const l of r.logs) err(`log     [${l.level}] ${l.message}`);
          for (const row of statsRows(r.stats)) {
            err(
              `${row.label.padEnd(11)} ${row.text}${row.label === "host calls" ? "" : ` (${percent(row.ratio)})`}`,
            );
          }
          for (const w of r.warnings) err(`warning: ${w}`);
          if (r.ok) out(terminalSafeJson(JSON.stringify(r.output, null, 2)));
          else if (r.error)
            err(`${r.error.reason === "business_error" ? "failed" : "error"}: ${describeError(r.error)}`);
          return;
        }
      }
    },
    async fail(error) {
      err(`${errorHeading(error)}: ${await describeFailure(error, deps.cwd)}`);
    },
  };
}

/**
 * What to do after `new`: test the hook, then run one of its cases, with `cli` the command that runs
 * ameide-ext where the user is (see `cliInvocation`); for a hook with read-only host calls, the local stack
 * that declares them (`devFlags`, see `NewHookResult`).
 */
export function nextSteps(
  where: string,
  files: readonly string[],
  cli: string,
  devFlags: readonly string[] = [],
): string[] {
  const fixture = files.find((f) => f.startsWith("tests/") && f.endsWith(".json")) ?? "tests/<case>.json";
  return [
    `${cli} test ${where}    # build it and run its tests`,
    `${cli} run ${where} --fixture ${where}/${fixture}    # one invocation, with its stats`,
    ...(devFlags.length === 0
      ? []
      : [
          `${cli} dev ${devFlags.join(" ")}    # a local stack; you, its operator, declare its read-only host calls`,
        ]),
  ];
}

/**
 * A case as plain lines: PASS/FAIL and its name, its stats, then why it failed and its warnings. The name
 * and the file stay on their line (a newline in them is shown as `\n`), so a fixture cannot forge a PASS line.
 */
export function caseLines(c: CaseResult): string {
  const tag = c.status === "passed" ? "PASS" : c.status === "updated" ? "UPD " : "FAIL";
  const name = terminalSafe(c.name, { singleLine: true });
  const file = terminalSafe(c.file, { singleLine: true });
  const lines = [`${tag}  ${name}${c.ok ? "" : ` (${file})`}`, indent(statsLine(c.stats))];
  for (const f of c.failures) lines.push(indent(f));
  if (c.diff !== undefined) lines.push(indent(c.diff, "        "));
  for (const w of c.warnings) lines.push(indent(`warning: ${w}`));
  return lines.join("\n");
}
