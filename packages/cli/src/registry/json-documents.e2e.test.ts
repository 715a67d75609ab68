// Issue #14: every command's `--json` document has a schema (`ameide-ext schema <command>`), and what the
// commands print matches it. The registry's commands run here against a real dev stack that `ameide-ext dev`
// starts in this process, each once to success and once to an error document. The stack answers host calls
// from a file (`dev --host-calls`), so the agent_tool template, promoted and approved here, runs end to end
// through the local runtime with `ameide-ext invoke`; `dev --read-only` declares its host call read-only there.
import { existsSync } from "node:fs";
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli.js";
import { EXIT_CODES } from "../exit-code.js";
import { OUTPUT_SCHEMAS } from "../report/output-schemas.js";
import { SCHEMA_NAMES } from "../schemas.js";
import { createCapturedDeps } from "../testing/cli-process.js";

type DocName = keyof typeof OUTPUT_SCHEMAS;

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map(Object.entries(OUTPUT_SCHEMAS).map(([k, s]) => [k, ajv.compile(s)]));
/** Which schema each document was checked against, to show every command was covered. */
const checked = new Set<string>();

let work: string;
let dev: { code: Promise<number>; doc: Record<string, unknown>; stderr: () => string };
let env: Record<string, string>;

const CRM = "ameide.crm.v1.AccountService";
/** What `dev --host-calls` answers from: the CRM's churn risk of A-19, and no account A-404. */
const HOST_CALLS = [
  {
    service: CRM,
    method: "GetChurnRisk",
    request: { accountId: "A-19" },
    response: { accountId: "A-19", churnRisk: 0.8 },
  },
  {
    service: CRM,
    method: "GetChurnRisk",
    request: { accountId: "A-404" },
    error: { code: "not_found", message: "no account A-404" },
  },
];

async function cli(args: string[], extraEnv: Record<string, string> = {}) {
  const c = createCapturedDeps({ cwd: work, env: { ...env, ...extraEnv } });
  const code = await runCli(args, c.deps);
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

/** Runs `args --json`, checks the one document against `schema` (the command's, or `error`), returns it. */
async function cliJson(args: string[], schema: DocName, extraEnv: Record<string, string> = {}) {
  const r = await cli([...args, "--json"], extraEnv);
  const lines = r.stdout.trimEnd().split("\n");
  expect(lines, `${args.join(" ")}: one line of JSON\n${r.stderr}`).toHaveLength(1);
  const doc = JSON.parse(lines[0] ?? "") as Record<string, unknown>;
  const validate = validators.get(schema);
  if (!validate?.(doc)) throw new Error(`${schema}: ${ajv.errorsText(validate?.errors)}\n${r.stdout}`);
  checked.add(`${args[0]}:${schema === "error" ? "error" : "ok"}`);
  return { ...r, doc };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ameide-json-docs-"));
  env = { HOME: work, AMEIDE_CONFIG: "", AMEIDE_REGISTRY_URL: "", AMEIDE_TOKEN: "", NO_COLOR: "1" };
  await writeFile(join(work, "crm-answers.json"), JSON.stringify(HOST_CALLS));
  const c = createCapturedDeps({ cwd: work, env });
  const args = ["dev", "--registry-port", "0", "--runtime-port", "0", "--log-level", "silent"];
  // The developer, the stack's operator, declares the agent_tool template's host call read-only.
  args.push("--host-calls", "crm-answers.json", "--read-only", `${CRM}/GetChurnRisk`, "--json");
  const code = runCli(args, c.deps);
  const deadline = Date.now() + 60_000;
  while (!c.stdout().includes("\n") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const doc = JSON.parse(c.stdout()) as Record<string, unknown>;
  dev = { code, doc, stderr: c.stderr };
  env.AMEIDE_CONFIG = doc.configFile as string;
}, 90_000);

afterAll(async () => {
  if (dev) {
    process.emit("SIGINT");
    await dev.code;
  }
  if (work) await rm(work, { recursive: true, force: true });
});

describe("every command's --json document matches its schema", () => {
  it("dev: the stack's document, and an error for a bad flag", async () => {
    const validate = validators.get("dev");
    expect(validate?.(dev.doc), ajv.errorsText(validate?.errors)).toBe(true);
    checked.add("dev:ok");
    expect(dev.doc.hostCalls).toEqual({
      file: join(work, "crm-answers.json"),
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      services: [CRM],
    });
    expect(dev.doc.readOnlyHostMethods).toEqual({ [CRM]: ["GetChurnRisk"] });
    const bad = await cliJson(["dev", "--log-level", "loud"], "error");
    expect(bad.code).toBe(EXIT_CODES.usage);
    await writeFile(join(work, "bad-answers.json"), JSON.stringify([{ service: CRM, method: "Get" }]));
    const badAnswers = await cliJson(["dev", "--dir", "other", "--host-calls", "bad-answers.json"], "error");
    expect(badAnswers.code).toBe(EXIT_CODES.usage);
    expect(badAnswers.doc).toMatchObject({
      error: { reason: "invalid_input", details: { problems: [expect.objectContaining({ field: "[0]" })] } },
    });
    expect(existsSync(join(work, "other")), "refused before the stack's folder is made").toBe(false);
  });

  it("promote, status, bind, bindings, rollback: a low-risk hook through dev", async () => {
    const hook = join(work, "hooks", "order-guard");
    expect((await cli(["new", "order-guard", "--kind", "domain_hook", "--dir", hook])).code).toBe(0);
    const first = await cliJson(["promote", hook, "--env", "dev"], "promote");
    expect(first.doc, first.stderr).toMatchObject({ ok: true, version: "1", reached: true });
    await appendFile(join(hook, "src", "index.ts"), "\n// v2\n");
    const second = await cliJson(["promote", hook, "--env", "dev"], "promote");
    expect(second.doc).toMatchObject({ ok: true, version: "2" });
    const badEnv = await cliJson(["promote", hook, "--env", "qa"], "error");
    expect(badEnv.code).toBe(EXIT_CODES.usage);

    expect((await cliJson(["status", hook], "status")).doc).toMatchObject({ latestVersion: "2" });
    const unknown = await cliJson(["status", "--extension", "no-such-hook"], "error");
    expect(unknown.doc).toMatchObject({ error: { code: "not_found" } });

    const point = ["orders/BeforeCreateOrder", "order-guard"];
    expect((await cliJson(["bind", ...point, "--env", "dev"], "bind")).doc).toMatchObject({ cleared: false });
    const notThere = await cliJson(["bind", ...point, "--env", "staging", "--version", "1"], "error");
    expect(notThere.code).toBe(EXIT_CODES.refused);
    expect((await cliJson(["bindings"], "bindings")).doc.bindings).toHaveLength(1);
    expect((await cliJson(["bindings", "--env", "nowhere"], "error")).code).toBe(EXIT_CODES.usage);

    const back = await cliJson(["rollback", "order-guard", "--env", "dev"], "rollback");
    expect(back.doc).toMatchObject({ from: "2", to: "1" });
    const nothingOlder = await cliJson(["rollback", "order-guard", "--env", "staging"], "error");
    expect(nothingOlder.code).not.toBe(EXIT_CODES.ok);

    const off = await cliJson(
      ["disable", "order-guard", "--env", "dev", "--version", "2", "--reason", "INC-1"],
      "disable",
    );
    expect(off.doc).toMatchObject({ disabled: true, version: "2", disabledVersions: ["2"] });
    const on = await cliJson(
      ["enable", "order-guard", "--env", "dev", "--version", "2", "--reason", "INC-1 over"],
      "enable",
    );
    expect(on.doc).toMatchObject({ disabled: false, disabledVersions: [] });
    const neverRan = await cliJson(
      ["disable", "order-guard", "--env", "dev", "--version", "9", "--reason", "x"],
      "error",
    );
    expect(neverRan.code).not.toBe(EXIT_CODES.ok);
    const noSwitch = await cliJson(["enable", "no-such-hook", "--env", "dev", "--reason", "x"], "error");
    expect(noSwitch.code).not.toBe(EXIT_CODES.ok);
  }, 240_000);

  it("promote gated, approve and reject: a medium-risk hook, refused and approved", async () => {
    const hook = join(work, "hooks", "opportunity-risk");
    expect((await cli(["new", "opportunity-risk", "--kind", "agent_tool", "--dir", hook])).code).toBe(0);
    // Its host call crosses this busy process twice (runtime, answers server): 100 ms is tight on a shared CI
    // machine, so the tool gets the limit's upper range of time here. Nothing below measures time.
    const manifestFile = join(hook, "extension.json");
    const manifest = JSON.parse(await readFile(manifestFile, "utf8")) as { limits: Record<string, number> };
    manifest.limits.timeout_ms = 5000;
    await writeFile(manifestFile, JSON.stringify(manifest, null, 2));
    const gated = await cliJson(["promote", hook, "--env", "dev"], "promote");
    expect(gated.code).toBe(EXIT_CODES.failed);
    expect(gated.doc).toMatchObject({ ok: false, reason: "gated", gate: { env: "dev" } });

    const self = await cliJson(["approve", "opportunity-risk", "1", "--env", "dev"], "error");
    expect(self.code).toBe(EXIT_CODES.refused);
    expect(self.doc).toMatchObject({
      error: {
        details: {
          rule: "self_approval",
          mayApprove: { eligible: expect.arrayContaining(["user:reviewer"]) },
          fix: expect.stringContaining("user:reviewer"),
        },
      },
    });
    const reviewer = { AMEIDE_TOKEN: (dev.doc.tokens as Record<string, string>)["user:reviewer"] ?? "" };
    const approved = await cliJson(["approve", "opportunity-risk", "1", "--env", "dev"], "approve", reviewer);
    expect(approved.doc).toMatchObject({ promoted: true, env: "dev" });

    const nothingPending = await cliJson(
      ["reject", "opportunity-risk", "1", "--env", "staging", "--comment", "no"],
      "error",
      reviewer,
    );
    expect(nothingPending.doc).toMatchObject({ error: { details: { rule: "no_pending_promotion" } } });
    const waiting = await cliJson(["promote", hook, "--env", "staging"], "promote");
    expect(waiting.doc).toMatchObject({ reason: "gated", gate: { env: "staging" } });
    const rejected = await cliJson(
      ["reject", "opportunity-risk", "1", "--env", "staging", "--comment", "not yet"],
      "reject",
      reviewer,
    );
    expect(rejected.doc).toMatchObject({ decision: "reject", env: "staging" });
  }, 240_000);

  it("dev --host-calls: the agent_tool's host call is answered from the file, through the local runtime", async () => {
    // opportunity-risk runs in dev since the reviewer approved it above.
    await writeFile(
      join(work, "opp.json"),
      JSON.stringify({ opportunityId: "OPP-311", accountId: "A-19", amount: 120000, marginPct: 5 }),
    );
    // The runtime picks the approved version up when it reloads the catalog the registry rewrote.
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
      const probe = await cli(["invoke", "opportunity-risk", "--input", "opp.json", "--json"]);
      if (probe.code === EXIT_CODES.ok) break;
      expect(probe.stdout, "only until the runtime knows it").toContain('"code":"not_found"');
      await new Promise((r) => setTimeout(r, 200));
    }
    const scored = await cliJson(["invoke", "opportunity-risk", "--input", "opp.json"], "invoke");
    expect(scored.code, scored.stderr).toBe(EXIT_CODES.ok);
    expect(scored.doc).toMatchObject({
      outcome: "ok",
      output: { opportunityId: "OPP-311", score: 80, band: "high" },
      stats: { hostCalls: 1 },
    });

    await writeFile(join(work, "gone.json"), JSON.stringify({ accountId: "A-404", marginPct: 12 }));
    const gone = await cliJson(["invoke", "opportunity-risk", "--input", "gone.json"], "invoke");
    expect(gone.doc).toMatchObject({ outcome: "business_error", error: { code: "ACCOUNT_NOT_FOUND" } });

    // A call the file does not answer: the hook sees unavailable, with the call and the file named.
    await writeFile(join(work, "unknown.json"), JSON.stringify({ accountId: "A-7", marginPct: 12 }));
    const unanswered = await cliJson(["invoke", "opportunity-risk", "--input", "unknown.json"], "invoke");
    expect(unanswered.doc).toMatchObject({ outcome: "business_error", error: { code: "CRM_UNAVAILABLE" } });
    const message = (unanswered.doc.error as { message: string }).message;
    expect(message).toContain(`${CRM}.GetChurnRisk`);
    expect(message).toContain('{"accountId":"A-7"}');
    expect(message).toContain("crm-answers.json");
    expect(dev.stderr()).toContain(
      'unexpected host call ameide.crm.v1.AccountService.GetChurnRisk with {"accountId":"A-7"}',
    );

    // Answers are not used up: the same call is answered again.
    const again = await cliJson(["invoke", "opportunity-risk", "--input", "opp.json"], "invoke");
    expect(again.doc).toMatchObject({ outcome: "ok", output: { score: 80 } });

    // The business errors above were recorded by the dev runtime (every error is): replayed locally, the same.
    const replayArgs = ["replay", "--from", "runtime", "--extension", "opportunity-risk", "--since", "1h"];
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
      const probe = await cli([...replayArgs, "--json"]);
      if (probe.code === EXIT_CODES.ok && !probe.stdout.includes('"total":0')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const replayed = await cliJson(replayArgs, "replay");
    expect(replayed.doc).toMatchObject({ ok: true, mode: "same", mismatches: 0 });
    expect(replayed.doc.replayed as number).toBeGreaterThan(0);
    const noRecording = await cliJson(["replay", "no-such-recording.json"], "error");
    expect(noRecording.code).not.toBe(EXIT_CODES.ok);
  }, 120_000);

  it("covered a success and an error for every command that has a document", () => {
    const commands = SCHEMA_NAMES.filter(
      (n) => n in OUTPUT_SCHEMAS && !["new", "build", "test", "run", "invoke", "error"].includes(n),
    );
    // new, build, test, run (cli.test.ts) and invoke (invoke-extension.e2e.test.ts) are checked where they run.
    for (const c of commands) {
      expect(checked, c).toContain(`${c}:ok`);
      expect(checked, c).toContain(`${c}:error`);
    }
  });
});
