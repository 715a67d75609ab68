// `ameide-ext mcp` as an agent meets it: the server is a process spawned from the sources, the "agent" is a
// script (no LLM) driving the MCP SDK's Client over stdio, and the registry is `ameide-ext dev`, another process
// started here. The script scaffolds a hook, edits it, sees a failing fixture through test_hook, fixes it and
// promotes it to dev; hostile arguments come back as coded tool errors and the server keeps serving.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_PROCESS_ARGS } from "../testing/cli-process.js";

const LONG = { timeout: 280_000 };

/** Starts `ameide-ext dev` and resolves with its --json document once the registry and runtime are up. */
function startDev(dir: string): Promise<{
  child: ChildProcess;
  doc: { registryUrl: string; tokens: Record<string, string>; tenant: string };
}> {
  const args = [...CLI_PROCESS_ARGS, "dev", "--dir", dir, "--registry-port", "0", "--runtime-port", "0"];
  const child = spawn(process.execPath, [...args, "--log-level", "error", "--json"], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`ameide-ext dev exited ${code}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once("line", (line) =>
      resolve({ child, doc: JSON.parse(line) }),
    );
  });
}

/** A tool error's document: `{ ok: false, error: { code, reason, message, details } }`. */
function toolError(result: CallToolResult): {
  code: string;
  reason: string | null;
  details: Record<string, unknown>;
} {
  expect(result.isError).toBe(true);
  const text = result.content[0]?.type === "text" ? result.content[0].text : "";
  return (
    JSON.parse(text) as { error: { code: string; reason: string | null; details: Record<string, unknown> } }
  ).error;
}

describe("ameide-ext mcp, driven by a scripted agent over stdio", () => {
  let work: string;
  let dev: Awaited<ReturnType<typeof startDev>>;
  let client: Client;
  const transportErrors: Error[] = [];
  const call = async (name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args }, undefined, LONG)) as CallToolResult;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-mcp-e2e-"));
    await mkdir(join(work, "ws"));
    dev = await startDev(join(work, ".stack"));
    client = new Client({ name: "scripted-agent", version: "1.0.0" });
    // A line on the server's stdout that is not an MCP message lands here.
    client.onerror = (e) => transportErrors.push(e);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    Object.assign(env, {
      NO_COLOR: "1",
      AMEIDE_REGISTRY_URL: dev.doc.registryUrl,
      AMEIDE_TOKEN: dev.doc.tokens["agent:dev"] as string,
      AMEIDE_TENANT: dev.doc.tenant,
    });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [...CLI_PROCESS_ARGS, "mcp", "--root", join(work, "ws"), "--agent", "agent:dev"],
        cwd: work,
        env,
        stderr: "inherit",
      }),
    );
  }, 180_000);

  afterAll(async () => {
    await client?.close();
    if (dev) {
      const exited = new Promise((r) => dev.child.once("exit", r));
      dev.child.kill("SIGTERM");
      await exited;
    }
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("offers the lifecycle's tools with their schemas, and no approve", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      [
        "build_hook",
        "explain_error",
        "hook_status",
        "list_extensions",
        "promote_hook",
        "run_hook",
        "scaffold_hook",
        "test_hook",
      ].sort(),
    );
    for (const t of tools) {
      expect(t.inputSchema).toMatchObject({ type: "object", additionalProperties: false });
      expect(t.outputSchema).toMatchObject({ type: "object" });
    }
    const hints = Object.fromEntries(tools.map((t) => [t.name, t.annotations]));
    expect(hints.hook_status).toMatchObject({ readOnlyHint: true, openWorldHint: true });
    expect(hints.promote_hook).toMatchObject({
      readOnlyHint: false,
      destructiveHint: false,
      openWorldHint: true,
    });
  });

  it("scaffolds, edits, sees a failing fixture, fixes it, and promotes the hook to dev", async () => {
    const made = await call("scaffold_hook", {
      name: "deal-guard",
      kind: "process_hook",
      dir: "hooks/deal-guard",
    });
    expect(made.isError).toBeFalsy();
    expect(made.structuredContent).toMatchObject({ ok: true, id: "deal-guard", createdBy: "agent:dev" });

    // The agent's task: a negative margin is refused as NEGATIVE_MARGIN. A fixture first, then the code, with a bug.
    const hook = join(work, "ws", "hooks", "deal-guard");
    await writeFile(
      join(hook, "tests", "negative-margin.json"),
      JSON.stringify({
        name: "a negative margin is refused",
        input: { amount: 100, marginPct: -3 },
        expectError: { code: "NEGATIVE_MARGIN" },
      }),
    );
    const source = join(hook, "src", "index.ts");
    const original = await readFile(source, "utf8");
    const check = (floor: string) =>
      original.replace(
        '  const margin = deal.getNumber("marginPct");\n',
        `  const margin = deal.getNumber("marginPct");\n  if (margin < ${floor}) return fail("NEGATIVE_MARGIN", "a margin cannot be negative");\n`,
      );
    expect(check("-100")).not.toBe(original);
    await writeFile(source, check("-100"));

    const red = await call("test_hook", { dir: "hooks/deal-guard" });
    expect(red.isError).toBeFalsy();
    const redDoc = red.structuredContent as {
      ok: boolean;
      failed: number;
      cases: Array<{ name: string; ok: boolean; stats: Record<string, number> }>;
    };
    expect(redDoc).toMatchObject({ ok: false, failed: 1 });
    expect(redDoc.cases.filter((c) => !c.ok).map((c) => c.name)).toEqual(["a negative margin is refused"]);
    for (const c of redDoc.cases)
      expect(c.stats).toMatchObject({
        fuelUsed: expect.any(Number),
        fuelLimit: expect.any(Number),
        peakMemoryBytes: expect.any(Number),
        durationUs: expect.any(Number),
      });

    await writeFile(source, check("0"));
    const green = await call("test_hook", { dir: "hooks/deal-guard" });
    expect(green.structuredContent).toMatchObject({ ok: true, failed: 0, passed: 4 });

    const one = await call("run_hook", { dir: "hooks/deal-guard", input: { amount: 70000, marginPct: 5 } });
    expect(one.structuredContent).toMatchObject({ ok: true, output: { route: "extra_approval" } });

    // The compile takes a while: progress notifications say where it is (and keep a client's timeout fresh).
    const said: string[] = [];
    const promoted = (await client.callTool(
      { name: "promote_hook", arguments: { dir: "hooks/deal-guard", env: "dev" } },
      undefined,
      { ...LONG, onprogress: (p) => said.push(p.message ?? ""), resetTimeoutOnProgress: true },
    )) as CallToolResult;
    expect(promoted.isError, JSON.stringify(promoted.content)).toBeFalsy();
    expect(promoted.structuredContent).toMatchObject({
      ok: true,
      extension: "deal-guard",
      state: "promoted_dev",
      reached: true,
      deployments: { dev: "1" },
    });

    expect(said).toEqual(expect.arrayContaining([expect.stringContaining("compiling version 1")]));

    const status = await call("hook_status", { extension: "deal-guard" });
    expect(status.structuredContent).toMatchObject({
      ok: true,
      deployments: { dev: "1" },
      versions: [{ version: "1", createdBy: "agent:dev" }],
    });

    const listed = await call("list_extensions", {});
    expect(listed.structuredContent).toMatchObject({
      ok: true,
      extensions: [{ id: "deal-guard", dir: "hooks/deal-guard", kind: "process_hook" }],
    });
  }, 300_000);

  it("answers hostile arguments with coded tool errors, and keeps serving", async () => {
    const stillServes = async () =>
      expect((await call("explain_error", { reason: "fuel" })).structuredContent).toMatchObject({
        ok: true,
        code: "resource_exhausted",
        reason: "fuel",
      });

    const unknownField = toolError(
      await call("scaffold_hook", { name: "x-hook", kind: "process_hook", shell: "rm -rf /" }),
    );
    expect(unknownField).toMatchObject({
      code: "invalid_argument",
      reason: "invalid_input",
      details: { fix: expect.any(String) },
    });
    await stillServes();

    for (const [name, dir] of [
      ["build_hook", "../../etc"],
      ["test_hook", "/etc"],
      ["scaffold_hook", "../escaped"],
    ] as const) {
      const args = name === "scaffold_hook" ? { name: "escaped", kind: "process_hook", dir } : { dir };
      expect(toolError(await call(name, args)), `${name} ${dir}`).toMatchObject({
        code: "permission_denied",
        details: { rule: "workspace_root", fix: expect.any(String) },
      });
    }
    await stillServes();

    const huge = toolError(
      await call("run_hook", { dir: "hooks/deal-guard", input: "x".repeat(2 * 1024 * 1024) }),
    );
    expect(huge).toMatchObject({ code: "invalid_argument", reason: "input_size" });
    await stillServes();

    expect(
      toolError(await call("approve", { extension: "deal-guard", version: "1", env: "staging" })),
    ).toMatchObject({ code: "not_found" });
    expect(toolError(await call("build_hook", { dir: "no-such-hook" }))).toMatchObject({
      code: "not_found",
      details: { fix: expect.any(String) },
    });
    expect(toolError(await call("explain_error", { reason: "made_up" }))).toMatchObject({
      code: "invalid_argument",
      reason: "invalid_input",
    });
    expect(toolError(await call("explain_error", { rule: "made_up" }))).toMatchObject({
      code: "invalid_argument",
      reason: "invalid_input",
    });
    await stillServes();
  }, 120_000);

  it("passes the registry's refusal on as a tool error with its rule and the rule's fix", async () => {
    // Agents create drafts up to low by default (docs/registry.md): a medium hook is refused by agent_risk_tier.
    await call("scaffold_hook", {
      name: "crm-lookup",
      kind: "agent_tool",
      riskTier: "medium",
      dir: "hooks/crm-lookup",
    });
    const refused = toolError(await call("promote_hook", { dir: "hooks/crm-lookup", env: "dev" }));
    expect(refused).toMatchObject({
      code: "permission_denied",
      details: { rule: "agent_risk_tier", fix: expect.stringContaining("risk_tier") },
    });
    expect((await call("explain_error", { rule: "agent_risk_tier" })).structuredContent).toMatchObject({
      ok: true,
      code: "permission_denied",
      rule: "agent_risk_tier",
      // The refusal's fix names this agent and its tier; the guide's is the general one.
      fix: expect.stringContaining("max_risk_tier"),
    });
    expect(refused.details.fix).toContain("max_risk_tier");
  }, 120_000);

  it("scaffolds and tests a TypeScript hook the same way, with nothing but MCP on the server's stdout", async () => {
    const made = await call("scaffold_hook", {
      name: "deal-guard-ts",
      kind: "process_hook",
      lang: "typescript",
      dir: "hooks/deal-guard-ts",
    });
    expect(made.structuredContent).toMatchObject({ ok: true, lang: "typescript" });
    const tested = await call("test_hook", { dir: "hooks/deal-guard-ts" });
    expect(tested.isError, JSON.stringify(tested.content).slice(0, 500)).toBeFalsy();
    expect(tested.structuredContent).toMatchObject({ ok: true, failed: 0 });
    expect(transportErrors).toEqual([]);
  }, 240_000);

  it("offers the contract, the schemas, the templates and the PDK reference as resources, and the write_hook prompt", async () => {
    const { resources } = await client.listResources();
    const uris = resources.map((r) => r.uri);
    expect(uris).toEqual(
      expect.arrayContaining([
        "ameide-ext://contract/CONTRACT.md",
        "ameide-ext://schema/manifest",
        "ameide-ext://schema/fixture",
        "ameide-ext://pdk/README.md",
        "ameide-ext://pdk/assemblyscript/index.ts",
        "ameide-ext://pdk/typescript/host.d.ts",
        "ameide-ext://template/assemblyscript/process_hook/src/index.ts",
        "ameide-ext://template/typescript/agent_tool/src/index.ts",
      ]),
    );
    const contract = await client.readResource({ uri: "ameide-ext://contract/CONTRACT.md" });
    expect(contract.contents[0]).toMatchObject({ text: expect.stringContaining("ameide:extension@1.0.0") });
    const prompt = await client.getPrompt({
      name: "write_hook",
      arguments: { goal: "route deals", kind: "process_hook" },
    });
    const text = prompt.messages[0]?.content.type === "text" ? prompt.messages[0].content.text : "";
    for (const step of ["scaffold_hook", "test_hook", "explain_error", "promote_hook"])
      expect(text).toContain(step);
  });
});
