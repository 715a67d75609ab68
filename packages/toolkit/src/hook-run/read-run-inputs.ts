import path from "node:path";
import { ExtensionError } from "@ameide-ext/contract";
import type { ExecutionContext } from "@ameide-ext/runtime";
import { displayPath } from "../hook-build/hook-layout.js";
import type { HostCallMock } from "../hook-fixtures/fixture-schema.js";
import { checkContextFile, checkHostCallsFile, fixtureProblems } from "../hook-fixtures/load-fixtures.js";
import { parseJsonFile } from "../json/parse-json.js";
import type { ToolkitDeps } from "../toolkit-deps.js";

/** Where `run` takes its input and context from (paths, or `-` for stdin). */
export interface RunInputFlags {
  /** A JSON file holding the input document, or `-` for stdin. */
  input?: string;
  /** A fixture file: its input, ctx and hostCalls (the other flags override them). */
  fixture?: string;
  /** A JSON file holding the ExecutionContext. */
  ctx?: string;
  /** A JSON file holding answers to host calls (a fixture's `hostCalls` format). */
  hostCalls?: string;
}

/** What `run` invokes the hook with. */
export interface RunInputs {
  input: unknown;
  ctx?: ExecutionContext;
  hostCalls?: HostCallMock[];
}

/** Reads a JSON file named by a flag (`-` is stdin). Throws `invalid_argument` naming the flag and the file. */
export async function readJsonArgument(
  spec: string,
  flag: string,
  deps: ToolkitDeps,
): Promise<{ value: unknown; shown: string }> {
  if (spec === "-") {
    return { value: parseJsonFile(await deps.readStdin(), "stdin", "invalid_input"), shown: "stdin" };
  }
  const file = path.resolve(deps.cwd, spec);
  const shown = displayPath(deps.cwd, file);
  let text: string;
  try {
    text = await deps.fs.readText(file);
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    throw new ExtensionError(
      "invalid_argument",
      `${flag} ${spec}: ${code === "ENOENT" ? "no such file" : `cannot read it (${String(code ?? cause)})`}`,
      "invalid_input",
      { field: flag, file },
    );
  }
  return { value: parseJsonFile(text, shown, "invalid_input"), shown };
}

/**
 * Reads and checks a host-call answers file (a fixture's `hostCalls` format) named by `flag`
 * (`run --host-calls`, `dev --host-calls`). Throws `invalid_argument/invalid_input` naming the file and
 * each bad field.
 */
export async function readHostCallsFile(
  spec: string,
  flag: string,
  deps: ToolkitDeps,
): Promise<HostCallMock[]> {
  const { value, shown } = await readJsonArgument(spec, flag, deps);
  return checkHostCallsFile(value, shown);
}

/**
 * Reads `run`'s input (`--input` or `--fixture`, exactly one), context and
 * host-call answers. Throws `invalid_argument` (exit 2) for a missing or
 * doubled flag, an unreadable file, or a file that is not valid.
 */
export async function readRunInputs(flags: RunInputFlags, deps: ToolkitDeps): Promise<RunInputs> {
  if ((flags.input === undefined) === (flags.fixture === undefined)) {
    throw new ExtensionError(
      "invalid_argument",
      flags.input === undefined
        ? "run needs --input <file|-> (the input document) or --fixture <file> (a test case)"
        : "run takes --input or --fixture, not both",
    );
  }
  if (flags.input === "-" && flags.ctx === "-") {
    throw new ExtensionError("invalid_argument", "only one of --input and --ctx can read stdin (-)");
  }
  const out: RunInputs = { input: null };
  if (flags.fixture !== undefined) {
    const { value, shown } = await readJsonArgument(flags.fixture, "--fixture", deps);
    const { fixture, problems } = fixtureProblems(value);
    if (fixture === undefined) {
      throw new ExtensionError(
        "invalid_argument",
        `${shown} is not a valid fixture:\n${problems.map((p) => `  ${p.field}: ${p.message}`).join("\n")}`,
        "invalid_input",
        { file: shown, problems: problems.map((p) => ({ ...p, file: shown })) },
      );
    }
    out.input = fixture.input;
    if (fixture.ctx !== undefined) out.ctx = fixture.ctx;
    if (fixture.hostCalls !== undefined) out.hostCalls = fixture.hostCalls;
  } else if (flags.input !== undefined) {
    out.input = (await readJsonArgument(flags.input, "--input", deps)).value;
  }
  if (flags.ctx !== undefined) {
    const { value, shown } = await readJsonArgument(flags.ctx, "--ctx", deps);
    out.ctx = checkContextFile(value, shown);
  }
  if (flags.hostCalls !== undefined) {
    const { value, shown } = await readJsonArgument(flags.hostCalls, "--host-calls", deps);
    out.hostCalls = checkHostCallsFile(value, shown);
  }
  return out;
}
