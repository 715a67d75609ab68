import { mkdir, mkdtemp, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createWorkspaceRoot } from "./workspace-root.js";

describe("createWorkspaceRoot()", () => {
  it("resolves a relative folder inside the root", async () => {
    const root = await mkdtemp(join(tmpdir(), "ameide-mcp-root-"));
    const ws = await createWorkspaceRoot(root);
    expect(await ws.resolve("dir", "hooks/a")).toBe(join(ws.root, "hooks/a"));
    expect(await ws.resolve("dir", ".")).toBe(ws.root);
  });

  it("refuses ../, absolute paths outside and symlinks out of the root by the rule workspace_root", async () => {
    const root = await mkdtemp(join(tmpdir(), "ameide-mcp-root-"));
    await mkdir(join(root, "hooks"));
    await symlink(tmpdir(), join(root, "hooks", "out"));
    const ws = await createWorkspaceRoot(root);
    for (const value of ["../x", "hooks/../../x", "/etc", "hooks/out/y", "a\u0000b"]) {
      await expect(ws.resolve("dir", value), value).rejects.toMatchObject({
        code: "permission_denied",
        details: { rule: "workspace_root", field: "dir" },
      });
    }
  });
});
