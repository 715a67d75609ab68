// On `ameide-ext dev` the developer is the registry's operator: `--read-only <service>/<method>` declares a
// host method read-only there (the registry config's read_only_host_methods). Without it the stack's registry
// refuses a manifest marking a method read_only (host_call_not_read_only), and the refusal's fix names the
// flag; `new --kind agent_tool` prints the dev command that declares its read-only host call. Real dev stacks.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli.js";
import type { CliDeps } from "../deps.js";
import { EXIT_CODES } from "../exit-code.js";
import { createCapturedDeps, REPO_ROOT } from "../testing/cli-process.js";
import { type DevStack, startDevStack } from "./start-dev-stack.js";

const CRM = "ameide.crm.v1.AccountService";
const FLAG = `--read-only ${CRM}/GetChurnRisk`;

let work: string;
let env: Record<string, string>;

function deps(extraEnv: Record<string, string> = {}) {
  return createCapturedDeps({ cwd: work, env: { ...env, ...extraEnv } });
}

async function cli(args: string[], extraEnv: Record<string, string> = {}) {
  const c = deps(extraEnv);
  const code = await runCli(args, c.deps);
  return { code, stdout: c.stdout(), stderr: c.stderr() };
}

async function withStack<T>(dir: string, readOnly: string[] | undefined, f: (s: DevStack) => Promise<T>) {
  const c = deps();
  const d: CliDeps = c.deps;
  const stack = await startDevStack(
    { dir, registryPort: 0, runtimePort: 0, logLevel: "silent", readOnlyHostMethods: readOnly },
    d,
  );
  try {
    return await f(stack);
  } finally {
    await stack.close();
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ameide-dev-read-only-"));
  env = { HOME: work, AMEIDE_CONFIG: "", AMEIDE_REGISTRY_URL: "", AMEIDE_TOKEN: "", NO_COLOR: "1" };
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe("ameide-ext dev --read-only", () => {
  it("new --kind agent_tool prints the dev command that declares its read-only host call", async () => {
    const made = await cli(["new", "opportunity-risk", "--kind", "agent_tool", "--dir", "opportunity-risk"]);
    expect(made.code, made.stderr).toBe(EXIT_CODES.ok);
    expect(made.stdout).toMatch(new RegExp(`dev ${FLAG.replace(/\./g, "\\.")}`));
    const low = await cli(["new", "order-guard", "--kind", "domain_hook", "--dir", "order-guard"]);
    expect(low.stdout).not.toContain("--read-only");
    const doc = await cli([
      "new",
      "opportunity-ts",
      "--kind",
      "agent_tool",
      "--lang",
      "typescript",
      "--json",
    ]);
    expect(JSON.parse(doc.stdout)).toMatchObject({ ok: true, devFlags: [FLAG] });
  });

  it.each(["assemblyscript", "typescript"])(
    "the %s agent_tool template's README starts its dev stack declaring its read-only host call",
    async (lang) => {
      const readme = await readFile(join(REPO_ROOT, "templates", lang, "agent_tool", "README.md"), "utf8");
      const dev = readme.split("\n").find((l) => l.startsWith("npx ameide-ext dev "));
      expect(dev).toContain(FLAG);
    },
  );

  it("without the declaration the stack's registry refuses the agent_tool (host_call_not_read_only), its fix naming the flag; the stack still serves", async () => {
    await withStack(join(work, "plain"), undefined, async (stack) => {
      expect(stack.readOnlyHostMethods).toEqual({});
      const refused = await cli(["promote", "opportunity-risk", "--env", "dev", "--json"], {
        AMEIDE_CONFIG: stack.configFile,
      });
      expect(refused.code).toBe(EXIT_CODES.refused);
      const doc = JSON.parse(refused.stdout) as { error: { code: string; details: Record<string, unknown> } };
      expect(doc.error).toMatchObject({
        code: "failed_precondition",
        details: { rule: "host_call_not_read_only", service: CRM, method: "GetChurnRisk" },
      });
      expect(doc.error.details.fix).toContain(FLAG);
      // Still serving: the registry answers the next call.
      const status = await cli(["status", "--extension", "opportunity-risk", "--json"], {
        AMEIDE_CONFIG: stack.configFile,
      });
      expect(status.code, status.stdout).toBe(EXIT_CODES.ok);
    });
  }, 60_000);

  it("with --read-only the stack's registry knows the method as read-only (and says so in its document)", async () => {
    await withStack(join(work, "declared"), [`${CRM}/GetChurnRisk`, `${CRM}/GetChurnRisk`], async (stack) => {
      expect(stack.readOnlyHostMethods).toEqual({ [CRM]: ["GetChurnRisk"] });
    });
  }, 60_000);

  it("refuses a --read-only not of the form <service>/<method> (usage), before the stack's folder is made", async () => {
    // Repeated: each value is checked (the first is good, the second is refused).
    const bad = await cli([
      "dev",
      "--dir",
      "bad",
      "--read-only",
      `${CRM}/GetChurnRisk`,
      "--read-only",
      `${CRM}.GetChurnRisk`,
      "--json",
    ]);
    expect(bad.code).toBe(EXIT_CODES.usage);
    expect(JSON.parse(bad.stdout)).toMatchObject({
      error: { code: "invalid_argument", details: { field: "--read-only", value: `${CRM}.GetChurnRisk` } },
    });
    expect(existsSync(join(work, "bad")), "refused before the stack's folder is made").toBe(false);
  });
});
