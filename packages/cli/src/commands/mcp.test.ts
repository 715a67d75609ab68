import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT_CODES } from "../exit-code.js";
import { spawnCli } from "../testing/cli-process.js";

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
