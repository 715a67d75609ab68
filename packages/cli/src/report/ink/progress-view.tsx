/** @jsxRuntime automatic */
/** @jsxImportSource react */
// (The pragmas keep JSX right when a runner such as tsx reads another tsconfig than this package's.)

import type { CaseResult } from "@ameide-ext/toolkit";
import { describeError, displayPath, WARN_RATIO } from "@ameide-ext/toolkit";
import { Box, Text } from "ink";
import Spinner from "ink-spinner";
import type { ReactNode } from "react";
import { CLI_BIN } from "../cli-invocation.js";
import { bar, formatBytes, formatMs, hookHeader, percent, statsRows } from "../format.js";
import { nextSteps } from "../plain-reporter.js";
import { terminalSafe, terminalSafeJson } from "../terminal-text.js";
import type { ProgressState } from "./progress-state.js";

// Ink prints text as it is: whatever came from a fixture, a hook or a server goes through these first.
/** Untrusted text, its control characters shown, not acted on (see terminalSafe). */
const safe = (text: string) => terminalSafe(text);
/** Untrusted text that must stay on its line: a case name, a file. */
const oneLine = (text: string) => terminalSafe(text, { singleLine: true });

const color = (ratio: number) => (ratio >= 1 ? "red" : ratio >= WARN_RATIO ? "yellow" : "green");

function Meter({
  label,
  ratio,
  text,
  judged,
}: {
  label: string;
  ratio: number;
  text: string;
  judged: boolean;
}) {
  return (
    <Text>
      <Text dimColor>{label.padEnd(11)}</Text>
      <Text color={judged ? color(ratio) : "cyan"}>{bar(ratio, 10)}</Text> {percent(ratio).padStart(5)}{" "}
      <Text dimColor>{text}</Text>
    </Text>
  );
}

/** One step: a spinner while it runs, then ✓, or ✗ when the command failed during it. */
function Step({ status, children }: { status: "running" | "done" | "failed"; children: ReactNode }) {
  return (
    <Text>
      {status === "running" ? (
        <Text color="cyan">
          <Spinner type="dots" />
        </Text>
      ) : status === "failed" ? (
        <Text color="red">✗</Text>
      ) : (
        <Text color="green">✓</Text>
      )}{" "}
      {children}
    </Text>
  );
}

function BuildSteps({ state, cwd }: { state: ProgressState; cwd: string }) {
  const { compile, validated, manifest } = state;
  return (
    <Box flexDirection="column">
      {manifest && <Text bold>{safe(hookHeader(manifest))}</Text>}
      {compile?.status === "running" && (
        <Step status={state.error ? "failed" : "running"}>
          compiling {oneLine(displayPath(cwd, compile.entry))}
        </Step>
      )}
      {compile?.status === "done" && (
        <Step status="done">
          {compile.cached ? "dist/ is up to date" : `compiled in ${formatMs(compile.durationMs)}`}{" "}
          <Text dimColor>
            {formatBytes(compile.bytes)} · sha256 {compile.sha256.slice(0, 12)}…
          </Text>
        </Step>
      )}
      {compile?.status === "done" && !validated && (
        <Step status={state.error ? "failed" : "running"}>checking the contract</Step>
      )}
      {validated && (
        <Step status="done">
          the engine accepts it <Text dimColor>{safe(validated.world)}, metered, memory capped</Text>
        </Step>
      )}
    </Box>
  );
}

/** One case's row; `name` is made safe already (TestTable measures the safe names). */
function CaseRow({ name, result, width }: { name: string; result: CaseResult | undefined; width: number }) {
  const shown = name.length > width ? `${name.slice(0, width - 1)}…` : name.padEnd(width);
  if (!result) {
    return (
      <Text dimColor>
        {"·"} {shown}
      </Text>
    );
  }
  const icon = result.status === "failed" ? <Text color="red">✗</Text> : <Text color="green">✓</Text>;
  const [fuel, memory, time, output] = statsRows(result.stats);
  const cell = (r: { ratio: number } | undefined) =>
    r ? (
      <Text color={color(r.ratio)}>
        {bar(r.ratio, 6)} {percent(r.ratio).padStart(5)}
      </Text>
    ) : null;
  return (
    <Text>
      {icon} {result.status === "failed" ? <Text color="red">{shown}</Text> : shown} {cell(fuel)}{" "}
      {cell(memory)} {cell(output)}{" "}
      <Text dimColor>{time ? formatMs(result.stats.durationUs / 1000).padStart(7) : ""}</Text>
      {result.status === "updated" ? <Text color="yellow"> updated</Text> : null}
    </Text>
  );
}

function CaseDetails({ c }: { c: CaseResult }) {
  if (c.failures.length === 0 && c.warnings.length === 0) return null;
  return (
    <Box flexDirection="column" marginLeft={2} marginTop={c.failures.length > 0 ? 1 : 0}>
      {c.failures.length > 0 && (
        <Text bold color="red">
          {oneLine(c.name)} <Text dimColor>({oneLine(c.file)})</Text>
        </Text>
      )}
      {c.failures.map((f) => (
        <Text key={f}>{safe(f)}</Text>
      ))}
      {c.diff !== undefined && (
        <Box flexDirection="column" marginLeft={2}>
          {c.diff.split("\n").map((line, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: diff lines repeat and never reorder
            <Text key={i} color={line.startsWith("-") ? "green" : line.startsWith("+") ? "red" : undefined}>
              {safe(line)}
            </Text>
          ))}
        </Box>
      )}
      {c.warnings.map((w) => (
        <Text key={w} color="yellow">
          ⚠ {c.failures.length === 0 ? `${oneLine(c.name)}: ` : ""}
          {safe(w)}
        </Text>
      ))}
    </Box>
  );
}

function TestTable({ state }: { state: ProgressState }) {
  if (!state.cases) return null;
  const { results } = state.cases;
  const names = state.cases.names.map(oneLine);
  const width = Math.min(48, Math.max(10, ...names.map((n) => n.length)));
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text dimColor>
        {"  "}
        {"case".padEnd(width)} {"fuel".padEnd(12)} {"memory".padEnd(12)} {"output".padEnd(12)}{" "}
        {"time".padStart(7)}
      </Text>
      {names.map((n, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: cases keep their order
        <CaseRow key={i} name={n} result={results[i]} width={width} />
      ))}
      {results.map((r, i) =>
        // biome-ignore lint/suspicious/noArrayIndexKey: cases keep their order
        r ? <CaseDetails key={i} c={r} /> : null,
      )}
    </Box>
  );
}

function Outcome({ state, cwd, cli }: { state: ProgressState; cwd: string; cli: string }) {
  const o = state.outcome;
  if (!o) return null;
  switch (o.command) {
    case "new": {
      const r = o.result;
      const where = displayPath(cwd, r.dir);
      return (
        <Box flexDirection="column">
          <Text>
            <Text color="green">✓</Text> created <Text bold>{where}</Text>{" "}
            <Text dimColor>
              {r.kind} · {r.lang} · risk {r.riskTier} · {r.createdBy}
            </Text>
          </Text>
          {r.files.map((f) => (
            <Text key={f} dimColor>
              {"  "}
              {f}
            </Text>
          ))}
          <Text> </Text>
          <Text>next:</Text>
          {nextSteps(where, r.files, cli, r.devFlags).map((line) => (
            <Text key={line} color="cyan">
              {"  "}
              {line}
            </Text>
          ))}
        </Box>
      );
    }
    case "build": {
      const r = o.result;
      return (
        <Box flexDirection="column" marginTop={1}>
          <Text>
            built <Text bold>{displayPath(cwd, r.wasm)}</Text>
          </Text>
          <Meter
            label="size"
            ratio={r.bytes / r.bytesLimit}
            text={`${formatBytes(r.bytes)} of ${formatBytes(r.bytesLimit)}`}
            judged
          />
          <Text>
            <Text dimColor>{"sha256".padEnd(11)}</Text>
            {r.sha256}
          </Text>
        </Box>
      );
    }
    case "test": {
      const r = o.result;
      return (
        <Box flexDirection="column" marginTop={1}>
          {r.updated.map((f) => (
            <Text key={f} color="yellow">
              updated {oneLine(f)}
            </Text>
          ))}
          <Text bold color={r.failed > 0 ? "red" : "green"}>
            {r.passed} passed, {r.failed} failed
          </Text>
        </Box>
      );
    }
    case "run": {
      const r = o.result;
      return (
        <Box flexDirection="column" marginTop={1}>
          {r.logs.map((l, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: log lines keep their order
            <Text key={i} dimColor>
              log [{safe(l.level)}] {safe(l.message)}
            </Text>
          ))}
          {statsRows(r.stats).map((row) => (
            <Meter key={row.label} label={row.label} ratio={row.ratio} text={row.text} judged={row.judged} />
          ))}
          {r.warnings.map((w) => (
            <Text key={w} color="yellow">
              ⚠ {safe(w)}
            </Text>
          ))}
          {r.ok ? (
            <Text>{terminalSafeJson(JSON.stringify(r.output, null, 2))}</Text>
          ) : (
            r.error && <Text color="red">{safe(describeError(r.error))}</Text>
          )}
        </Box>
      );
    }
  }
}

/**
 * The whole interactive view of a command, from its state. Pure: tests render it to a string. `cli`
 * is the command next steps print (see `cliInvocation`); default `ameide-ext`.
 */
export function ProgressView({
  state,
  cwd,
  cli = CLI_BIN,
}: {
  state: ProgressState;
  cwd: string;
  cli?: string;
}) {
  return (
    <Box flexDirection="column">
      {state.command !== "new" && <BuildSteps state={state} cwd={cwd} />}
      {state.command === "test" && <TestTable state={state} />}
      <Outcome state={state} cwd={cwd} cli={cli} />
      {state.error && (
        <Box flexDirection="column" marginTop={state.command === "new" ? 0 : 1}>
          <Text color="red" bold>
            {safe(state.error.heading)}
          </Text>
          <Text>{safe(state.error.text)}</Text>
        </Box>
      )}
    </Box>
  );
}
