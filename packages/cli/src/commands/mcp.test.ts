import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { EXIT_CODES } from "../exit-code.js";
import { CLI_PROCESS_ARGS, spawnCli } from "../testing/cli-process.js";

describe("ameide-ext mcp (the process)", () => {
  it("serves until stdin closes, then exits 0 having written nothing but MCP on stdout", async () => {
    const root = await mkdtemp(join(tmpdir(), "ameide-mcp-cmd-"));
    const run = await spawnCli(["mcp", "--root", root], { cwd: root });
    expect(run.code).toBe(EXIT_CODES.ok);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("8 tools as agent:test");
  });

  it("refuses to act as a user (exit 2): the server is an agent's", async () => {
    const root = await mkdtemp(join(tmpdir(), "ameide-mcp-cmd-"));
    const run = await spawnCli(["mcp", "--agent", "user:bob"], { cwd: root });
    expect(run.code).toBe(EXIT_CODES.usage);
    expect(run.stderr).toContain("invalid_argument");
  });

  it("refuses a workspace root that does not exist (exit 2)", async () => {
    const root = await mkdtemp(join(tmpdir(), "ameide-mcp-cmd-"));
    const run = await spawnCli(["mcp", "--root", join(root, "nowhere")], { cwd: root });
    expect(run.code).toBe(EXIT_CODES.usage);
    expect(run.stderr).toContain("not_found");
  });
});

describe("ameide-ext mcp, raw JSON-RPC lines no SDK client would send", () => {
  it("answers arguments nested 100,000 deep with invalid_argument/invalid_input, and keeps serving", async () => {
    const root = await mkdtemp(join(tmpdir(), "ameide-mcp-cmd-"));
    const child = spawn(process.execPath, [...CLI_PROCESS_ARGS, "mcp", "--root", root], {
      cwd: root,
      env: { ...process.env, NO_COLOR: "1", AMEIDE_ACTOR: "agent:test" },
      stdio: ["pipe", "pipe", "ignore"],
    });
    const answers = new Map<number, Record<string, unknown>>();
    const waiting = new Map<number, () => void>();
    createInterface({ input: child.stdout }).on("line", (line) => {
      const msg = JSON.parse(line) as { id?: number };
      if (typeof msg.id !== "number") return;
      answers.set(msg.id, msg as Record<string, unknown>);
      waiting.get(msg.id)?.();
    });
    const send = (text: string, id?: number) =>
      new Promise<Record<string, unknown> | undefined>((resolve) => {
        if (id !== undefined) waiting.set(id, () => resolve(answers.get(id)));
        child.stdin.write(`${text}\n`);
        if (id === undefined) resolve(undefined);
      });
    await send(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: { name: "raw", version: "1" },
        },
      }),
      1,
    );
    await send(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const nested = (await send(
      `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"run_hook","arguments":{"dir":".","input":${deep}}}}`,
      2,
    )) as { result: { isError: boolean; content: Array<{ text: string }> } };
    expect(nested.result.isError).toBe(true);
    expect(JSON.parse(nested.result.content[0]?.text ?? "").error).toMatchObject({
      code: "invalid_argument",
      reason: "invalid_input",
    });
    const after = (await send(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 3,
        method: "tools/call",
        params: { name: "explain_error", arguments: { reason: "stack" } },
      }),
      3,
    )) as { result: { structuredContent: unknown } };
    expect(after.result.structuredContent).toMatchObject({ ok: true, reason: "stack" });
    child.stdin.end();
    expect(await new Promise((r) => child.once("exit", r))).toBe(0);
  });
});

describe("ameide-ext mcp --config", () => {
  it("reads a relative --config from where it was started, not from --root", async () => {
    const started = await mkdtemp(join(tmpdir(), "ameide-mcp-cfg-"));
    const root = await mkdtemp(join(tmpdir(), "ameide-mcp-root-"));
    await writeFile(
      join(started, "agent.json"),
      JSON.stringify({ registry_url: "http://127.0.0.1:9", tenant: "t1" }),
    );
    const client = new Client({ name: "cfg", version: "1" });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [...CLI_PROCESS_ARGS, "mcp", "--root", root, "--config", "agent.json", "--token", "t"],
        cwd: started,
        env: { PATH: process.env.PATH ?? "", NO_COLOR: "1" },
        stderr: "ignore",
      }),
    );
    try {
      const result = (await client.callTool({
        name: "hook_status",
        arguments: { extension: "deal-guard" },
      })) as CallToolResult;
      const text = result.content[0]?.type === "text" ? result.content[0].text : "";
      // The config was read: the call reached for port 9 and found nobody there.
      expect(JSON.parse(text).error).toMatchObject({ code: "unavailable" });
    } finally {
      await client.close();
    }
  });
});
