// Red team (#14): the workspace root checked only the dir argument. A symlink inside a hook folder pointing out
// of the root let build_hook read any file (its first line came back in the diagnostics' sourceLine) and write
// its dist/ anywhere, and test_hook read fixtures from anywhere. Each is now refused by the rule workspace_root,
// and the server keeps serving.
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_PROCESS_ARGS } from "../testing/cli-process.js";

const LONG = { timeout: 200_000 };

describe("ameide-ext mcp and symlinks inside a hook folder that point out of the workspace root", () => {
  let work: string;
  let ws: string;
  let client: Client;
  const call = async (name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args }, undefined, LONG)) as CallToolResult;
  const text = (r: CallToolResult) => (r.content[0]?.type === "text" ? r.content[0].text : "");
  const refusal = (r: CallToolResult) => {
    expect(r.isError, text(r)).toBe(true);
    return (JSON.parse(text(r)) as { error: { code: string; details: Record<string, unknown> } }).error;
  };
  const scaffold = async (name: string) => {
    const r = await call("scaffold_hook", { name, kind: "process_hook", lang: "typescript" });
    expect(r.isError, text(r)).toBeFalsy();
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-mcp-links-"));
    ws = join(work, "ws");
    await mkdir(ws);
    await writeFile(join(work, "secret.txt"), "TOP SECRET { LINE\n");
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    client = new Client({ name: "hostile-agent", version: "1.0.0" });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [...CLI_PROCESS_ARGS, "mcp", "--root", ws, "--agent", "agent:dev"],
        cwd: work,
        env: { ...env, NO_COLOR: "1" },
        stderr: "inherit",
      }),
    );
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("build_hook refuses a src/index.ts linked to a file outside, without echoing it", async () => {
    await scaffold("read-out");
    await rm(join(ws, "read-out", "src", "index.ts"));
    await symlink(join(work, "secret.txt"), join(ws, "read-out", "src", "index.ts"));
    const r = await call("build_hook", { dir: "read-out" });
    expect(refusal(r)).toMatchObject({
      code: "permission_denied",
      details: { rule: "workspace_root", link: join(ws, "read-out", "src", "index.ts") },
    });
    expect(text(r)).not.toContain("SECRET");
  }, 200_000);

  it("build_hook does not write dist/ through a link out of the root", async () => {
    await scaffold("write-out");
    await mkdir(join(work, "outdist"));
    await symlink(join(work, "outdist"), join(ws, "write-out", "dist"));
    expect(refusal(await call("build_hook", { dir: "write-out" }))).toMatchObject({
      code: "permission_denied",
      details: { rule: "workspace_root" },
    });
    expect(await readdir(join(work, "outdist"))).toEqual([]);
  }, 200_000);

  it("test_hook refuses a fixture linked to a file outside", async () => {
    await scaffold("fixture-out");
    const fixture = join(ws, "fixture-out", "tests", "small-deal.json");
    await writeFile(join(work, "victim.json"), await readFile(fixture));
    await rm(fixture);
    await symlink(join(work, "victim.json"), fixture);
    expect(refusal(await call("test_hook", { dir: "fixture-out", update: true }))).toMatchObject({
      code: "permission_denied",
      details: { rule: "workspace_root" },
    });
  }, 200_000);

  it("refuses a link out in a nested node_modules, which promote_hook would upload", async () => {
    await scaffold("nested-out");
    await mkdir(join(ws, "nested-out", "src", "node_modules"));
    await symlink(join(work, "secret.txt"), join(ws, "nested-out", "src", "node_modules", "x.ts"));
    expect(refusal(await call("build_hook", { dir: "nested-out" }))).toMatchObject({
      code: "permission_denied",
      details: { rule: "workspace_root", link: join(ws, "nested-out", "src", "node_modules", "x.ts") },
    });
  }, 200_000);

  it("still serves, and a link that stays inside the root is fine", async () => {
    await scaffold("inside-ok");
    await symlink(join(ws, "inside-ok", "README.md"), join(ws, "inside-ok", "NOTES.md"));
    const r = await call("list_extensions", {});
    expect(r.isError, text(r)).toBeFalsy();
    expect(text(r)).toContain("inside-ok");
    const built = await call("build_hook", { dir: "inside-ok" });
    expect(built.isError, text(built)).toBeFalsy();
  }, 200_000);
});
