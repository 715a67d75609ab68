import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { createCapturedDeps } from "../testing/cli-process.js";
import { createMcpServer } from "./create-mcp-server.js";
import { createWorkspaceRoot } from "./workspace-root.js";

/** A server on a temporary root, and a client talking to it in memory (the real SDK on both ends). */
async function connect(registry: Record<string, string> = {}, env: Record<string, string> = {}) {
  const dir = await mkdtemp(join(tmpdir(), "ameide-mcp-unit-"));
  const root = await createWorkspaceRoot(dir);
  const { deps } = createCapturedDeps({ cwd: root.root, env });
  const server = createMcpServer({ root, actor: "agent:unit", registry, deps }, { version: "0.0.0" });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: "unit", version: "1" });
  await client.connect(b);
  const call = async (name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  return { dir, call };
}

function errorOf(result: CallToolResult): {
  code: string;
  reason: string | null;
  details: Record<string, unknown>;
} {
  expect(result.isError).toBe(true);
  const text = result.content[0]?.type === "text" ? result.content[0].text : "";
  return JSON.parse(text).error;
}

describe("createMcpServer()", () => {
  it("refuses to reach the registry without the agent's own token: never a person's from the config file", async () => {
    const { dir, call } = await connect();
    const config = join(dir, "config.json");
    await writeFile(
      config,
      JSON.stringify({ registry_url: "http://127.0.0.1:9", token: "a-person's-token" }),
    );
    const { call: callWithConfig } = await connect({ config });
    for (const [c, tool, args] of [
      [call, "hook_status", { extension: "deal-guard" }],
      [callWithConfig, "hook_status", { extension: "deal-guard" }],
      [callWithConfig, "promote_hook", { dir: ".", env: "dev" }],
    ] as const) {
      expect(errorOf(await c(tool, args)), tool).toMatchObject({
        code: "unauthenticated",
        details: { fix: expect.stringContaining("AMEIDE_TOKEN") },
      });
    }
  });

  it("lists the hooks under its root, and a manifest that does not load as a problem", async () => {
    const { dir, call } = await connect();
    await mkdir(join(dir, "hooks", "broken"), { recursive: true });
    await writeFile(join(dir, "hooks", "broken", "extension.json"), "{ not json");
    const listed = await call("list_extensions", {});
    expect(listed.structuredContent).toMatchObject({
      ok: true,
      extensions: [],
      problems: [expect.stringContaining("hooks/broken")],
    });
  });
});
