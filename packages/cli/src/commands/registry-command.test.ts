// Red team: what `invoke`, `replay`, `status` and the other registry commands print comes from the runtime or
// the registry (log lines, error messages, names): it reaches the terminal with its control characters escaped.
import { ExtensionError } from "@ameide-ext/contract";
import { describe, expect, it } from "vitest";
import type { ExitCode } from "../exit-code.js";
import { createCapturedDeps } from "../testing/cli-process.js";
import { executeRegistryCommand } from "./registry-command.js";

// biome-ignore lint/suspicious/noControlCharactersInRegex: what must never reach a terminal raw
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const HOSTILE = "deal \u001b[2K\r\u001b[32mOK\u001b]52;c;Y3VybA==\u0007\u009b2J";

async function run(json: boolean, work: Parameters<typeof executeRegistryCommand>[2]) {
  const c = createCapturedDeps({ cwd: "/" });
  let exit: ExitCode | undefined;
  await executeRegistryCommand({ deps: c.deps, setExit: (code) => (exit = code) }, json, work);
  return { stdout: c.stdout(), stderr: c.stderr(), exit };
}

describe("a registry command's output, given hostile text", () => {
  it("prints progress (a hook's log line) and result lines escaped", async () => {
    const r = await run(false, async (progress) => {
      progress(`log info: ${HOSTILE}`);
      return { doc: { ok: true }, lines: [HOSTILE, JSON.stringify({ s: HOSTILE }, null, 2)] };
    });
    expect(r.stderr).not.toMatch(RAW_CONTROL);
    expect(r.stderr).toContain("log info: deal \\x1b[2K\\r\\x1b[32mOK\\x1b]52;c;Y3VybA==\\x07\\x9b2J");
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect(r.stdout.split("\n")[0]).toBe("deal \\x1b[2K\\r\\x1b[32mOK\\x1b]52;c;Y3VybA==\\x07\\x9b2J");
  });

  it("prints an error from the registry or the runtime escaped", async () => {
    const r = await run(false, async () => {
      throw new ExtensionError("failed_precondition", HOSTILE, undefined, { rule: "x\u001b[8m" });
    });
    expect(r.stderr).not.toMatch(RAW_CONTROL);
    expect(r.stderr).toContain("[rule: x\\x1b[8m]: deal \\x1b[2K");
  });

  it("keeps the --json document as JSON writes it (its escapes are JSON's), the error line on stderr escaped", async () => {
    const r = await run(true, async () => {
      throw new ExtensionError("unavailable", HOSTILE);
    });
    expect((JSON.parse(r.stdout) as { error: { message: string } }).error.message).toBe(HOSTILE);
    expect(r.stderr).not.toMatch(RAW_CONTROL);
  });
});
