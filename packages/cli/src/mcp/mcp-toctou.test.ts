import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHookTsconfig } from "@ameide-ext/pdk/tsconfig";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCapturedDeps } from "../testing/cli-process.js";
import { MCP_TOOLS, type McpSession } from "./mcp-tools.js";
import { createWorkspaceRoot, type WorkspaceRoot } from "./workspace-root.js";

// Red team: the workspace root's symlink check ran before the build, which then read the hook folder again
// itself; a file swapped for a symlink out of the root in between (TOCTOU) was read, or written, through.
// Here the swap happens right after the check passes (a root whose resolve() swaps before it returns).

const LONG = 200_000;
const toolNamed = (name: string) => {
  const t = MCP_TOOLS.find((x) => x.name === name);
  if (!t) throw new Error(`no tool ${name}`);
  return t;
};

describe("the MCP tools and a swap between the symlink check and the build (TOCTOU)", () => {
  let work: string;
  let root: WorkspaceRoot;
  let swap: ((hookDir: string) => Promise<void>) | undefined;
  let session: McpSession;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-mcp-toctou-"));
    await mkdir(join(work, "ws"));
    await writeFile(join(work, "secret.txt"), "TOP SECRET { LINE\n");
    await writeFile(join(work, "secret.json"), JSON.stringify({ "SECRET-KEY": 1, id: "SECRET-VALUE" }));
    const checked = await createWorkspaceRoot(join(work, "ws"));
    root = {
      root: checked.root,
      async resolve(field, value) {
        const dir = await checked.resolve(field, value); // the check passes…
        await swap?.(dir); // …then the folder changes under it
        return dir;
      },
    };
    const { deps } = createCapturedDeps({ cwd: root.root });
    session = { root, actor: "agent:unit", registry: {}, deps };
  }, LONG);
  afterAll(() => rm(work, { recursive: true, force: true }));

  const scaffold = async (name: string) => {
    swap = undefined;
    await toolNamed("scaffold_hook").run(
      { name, kind: "process_hook", lang: "typescript" },
      session,
      () => {},
    );
  };
  const outcome = (p: Promise<unknown>) =>
    p.then(
      (doc) => ({ ok: true, text: JSON.stringify(doc) }),
      (e: unknown) => ({
        ok: false,
        text: JSON.stringify(e),
        error: e as { code?: string; details?: unknown },
      }),
    );

  it(
    "build_hook never reads a source swapped for a link out after the check",
    async () => {
      await scaffold("swap-read");
      swap = async (dir) => {
        await rm(join(dir, "src", "index.ts"));
        await symlink(join(work, "secret.txt"), join(dir, "src", "index.ts"));
      };
      const r = await outcome(toolNamed("build_hook").run({ dir: "swap-read" }, session, () => {}));
      expect(r.text).not.toContain("SECRET");
      expect(r).toMatchObject({
        ok: false,
        error: { code: "permission_denied", details: { rule: "workspace_root" } },
      });
    },
    LONG,
  );

  it(
    "build_hook never writes dist/ through a folder swapped for a link out after the check",
    async () => {
      await scaffold("swap-write");
      await mkdir(join(work, "outdist"));
      swap = async (dir) => {
        await rm(join(dir, "dist"), { recursive: true, force: true });
        await symlink(join(work, "outdist"), join(dir, "dist"));
      };
      const r = await outcome(toolNamed("build_hook").run({ dir: "swap-write" }, session, () => {}));
      expect(await readdir(join(work, "outdist"))).toEqual([]);
      expect(r).toMatchObject({
        ok: false,
        error: { code: "permission_denied", details: { rule: "workspace_root" } },
      });
    },
    LONG,
  );

  it(
    "hook_status never reads an extension.json swapped for a link out after the check, and still serves",
    async () => {
      await scaffold("swap-status");
      // A token and a registry nobody answers at: the manifest is read first, then the registry is called.
      const status = (dir: string) =>
        outcome(
          toolNamed("hook_status").run(
            { dir },
            { ...session, registry: { token: "agent-token", registry: "http://127.0.0.1:9" } },
            () => {},
          ),
        );
      swap = async (dir) => {
        await rm(join(dir, "extension.json"));
        await symlink(join(work, "secret.json"), join(dir, "extension.json"));
      };
      const r = await status("swap-status");
      expect(r.text).not.toContain("SECRET");
      expect(r).toMatchObject({
        ok: false,
        error: {
          code: "permission_denied",
          details: { rule: "workspace_root", link: join(root.root, "swap-status", "extension.json") },
        },
      });
      swap = undefined;
      await scaffold("plain-status");
      expect(await status("plain-status")).toMatchObject({ ok: false, error: { code: "unavailable" } });
    },
    LONG,
  );

  it(
    "scaffold_hook never writes through a hook folder swapped for a link out after the check",
    async () => {
      await mkdir(join(work, "out-new"));
      swap = async (dir) => {
        await symlink(join(work, "out-new"), dir);
      };
      const r = await outcome(
        toolNamed("scaffold_hook").run({ name: "swap-new", kind: "process_hook" }, session, () => {}),
      );
      expect(await readdir(join(work, "out-new"))).toEqual([]);
      expect(r).toMatchObject({
        ok: false,
        error: { code: "permission_denied", details: { rule: "workspace_root" } },
      });
    },
    LONG,
  );

  it(
    "scaffold_hook never writes through a sub-folder linked out while it writes, and still serves",
    async () => {
      swap = undefined;
      await mkdir(join(work, "out-tests"));
      const hook = join(root.root, "race-new");
      // The race, made certain: a link out appears in the new hook folder once the first file is written.
      let raced = false;
      const fs = {
        ...session.deps.fs,
        async writeFile(file: string, data: string | Uint8Array) {
          await session.deps.fs.writeFile(file, data);
          if (raced) return;
          raced = true;
          await mkdir(hook, { recursive: true });
          await symlink(join(work, "out-tests"), join(hook, "tests"));
        },
      };
      const r = await outcome(
        toolNamed("scaffold_hook").run(
          { name: "race-new", kind: "process_hook" },
          { ...session, deps: { ...session.deps, fs } },
          () => {},
        ),
      );
      expect(raced).toBe(true);
      expect(await readdir(join(work, "out-tests"))).toEqual([]);
      expect(r).toMatchObject({
        ok: false,
        error: { code: "permission_denied", details: { rule: "workspace_root" } },
      });
      const again = await outcome(
        toolNamed("scaffold_hook").run({ name: "after-race", kind: "process_hook" }, session, () => {}),
      );
      expect(again.ok, again.text).toBe(true);
      expect(await readdir(join(root.root, "after-race", "tests"))).not.toEqual([]);
    },
    LONG,
  );

  it(
    "builds a TypeScript hook with an npm dependency from its node_modules, as before the copy",
    async () => {
      swap = undefined;
      const hook = join(root.root, "banded");
      const pkg = join(hook, "node_modules", "deal-bands");
      await mkdir(pkg, { recursive: true });
      await mkdir(join(hook, "src"));
      await writeFile(
        join(pkg, "package.json"),
        JSON.stringify({ name: "deal-bands", version: "1.0.0", main: "index.js", types: "index.d.ts" }),
      );
      await writeFile(
        join(pkg, "index.js"),
        'exports.band = function band(s) { return s >= 65 ? "high" : "low"; };\n',
      );
      await writeFile(join(pkg, "index.d.ts"), 'export declare function band(s: number): "low" | "high";\n');
      await writeFile(
        join(hook, "src", "index.ts"),
        [
          'import type { Json } from "@ameide-ext/pdk";',
          'import { band } from "deal-bands";',
          "export function run(input: Json) {",
          '  const score = typeof input === "number" ? input : 0;',
          "  return { score, band: band(score) };",
          "}",
          "",
        ].join("\n"),
      );
      await writeFile(
        join(hook, "extension.json"),
        JSON.stringify({
          id: "banded",
          kind: "agent_tool",
          abi: "json_in_json_out_v1",
          lang: "typescript",
          version: "1",
          risk_tier: "low",
          metadata: { description: "Bands a score with an npm package.", created_by: "agent:unit" },
        }),
      );
      const doc = (await toolNamed("build_hook").run({ dir: "banded" }, session, () => {})) as {
        ok?: boolean;
      };
      expect(doc.ok).toBe(true);
    },
    LONG,
  );

  it(
    "with no swap, builds as before: dist/ in the hook folder, the result's paths in it",
    async () => {
      await scaffold("plain");
      const doc = (await toolNamed("build_hook").run({ dir: "plain" }, session, () => {})) as {
        wasm?: string;
      };
      expect(doc.wasm?.startsWith(join(root.root, "plain", "dist"))).toBe(true);
      expect((await readdir(join(root.root, "plain", "dist"))).some((f) => f.endsWith(".wasm"))).toBe(true);
      // Scaffolded in a private copy, its tsconfig still points from the hook folder itself.
      expect(JSON.parse(await readFile(join(root.root, "plain", "tsconfig.json"), "utf8"))).toEqual(
        createHookTsconfig(join(root.root, "plain")),
      );
    },
    LONG,
  );
});
