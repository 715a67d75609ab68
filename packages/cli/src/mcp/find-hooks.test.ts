// Red team: list_extensions walked the workspace root following symlinks (readdir, stat) and loaded every
// extension.json through any link, with no workspace_root check: a link out of the root listed hooks of
// folders outside it, and a manifest linked to a file outside echoed that file's keys and values in
// `problems`. Now the walk does not enter a linked folder, and a manifest is read through a handle whose
// real path must lie inside the root.
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCapturedDeps } from "../testing/cli-process.js";
import { MCP_TOOLS, type McpSession } from "./mcp-tools.js";
import { createWorkspaceRoot } from "./workspace-root.js";

const manifest = (id: string) =>
  JSON.stringify({
    id,
    kind: "agent_tool",
    abi: "json_in_json_out_v1",
    version: "7",
    risk_tier: "low",
    metadata: { description: "A hook.", created_by: "user:x" },
  });

describe("list_extensions and symlinks out of the workspace root", () => {
  let work: string;
  let session: McpSession;
  const list = async () => {
    const tool = MCP_TOOLS.find((t) => t.name === "list_extensions");
    if (!tool) throw new Error("no list_extensions");
    return (await tool.run({}, session, () => {})) as {
      ok: boolean;
      extensions: Array<{ id: string; dir: string }>;
      problems?: string[];
    };
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-list-links-"));
    const ws = join(work, "ws");
    await mkdir(join(ws, "mine"), { recursive: true });
    await writeFile(join(ws, "mine", "extension.json"), manifest("my-hook"));
    await writeFile(join(work, "secret.json"), JSON.stringify({ "OUTSIDE-KEY": "x", id: "OUTSIDE-VALUE" }));
    await mkdir(join(ws, "leak"));
    await symlink(join(work, "secret.json"), join(ws, "leak", "extension.json"));
    await mkdir(join(work, "other", "private-hook"), { recursive: true });
    await writeFile(join(work, "other", "private-hook", "extension.json"), manifest("outside-hook"));
    await symlink(join(work, "other"), join(ws, "up"));
    const root = await createWorkspaceRoot(ws);
    session = { root, actor: "agent:unit", registry: {}, deps: createCapturedDeps({ cwd: root.root }).deps };
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("does not list a hook in a folder reached through a link out", async () => {
    const doc = await list();
    expect(doc.extensions.map((h) => h.id)).not.toContain("outside-hook");
    expect(JSON.stringify(doc)).not.toContain("private-hook");
  });

  it("refuses an extension.json linked out of the root by the rule workspace_root, without echoing it", async () => {
    const doc = await list();
    expect(JSON.stringify(doc)).not.toContain("OUTSIDE");
    expect(doc.problems).toEqual([
      expect.stringMatching(/^leak: .*leak\/extension\.json leads out of the workspace root/),
    ]);
  });

  it("still lists the hooks inside, and a manifest linked to a file inside the root", async () => {
    await mkdir(join(session.root.root, "linked"));
    await symlink(
      join(session.root.root, "mine", "extension.json"),
      join(session.root.root, "linked", "extension.json"),
    );
    const doc = await list();
    expect(doc.ok).toBe(true);
    expect(doc.extensions.map((h) => `${h.dir}=${h.id}`)).toEqual(["linked=my-hook", "mine=my-hook"]);
  });
});
