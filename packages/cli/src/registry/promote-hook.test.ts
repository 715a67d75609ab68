// Red team: promote (a person's, on a hook folder an agent wrote; or promote_hook, which hands the gate to an
// agent that hands it to a person) must neither upload a file from outside the hook folder nor tell the
// person to run a command the agent planted. The gate's approveCommand said `npx ameide-ext` as soon as a
// node_modules/.bin/ameide-ext was in the working folder or above: the agent's workspace, where npx would run
// the agent's script with the reviewer's token. It is now how this process was started, by real path.
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CompileStatus, Environment, LifecycleState } from "@ameide-ext/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCapturedDeps } from "../testing/cli-process.js";
import { promoteHook } from "./promote-hook.js";
import type { RegistryClient } from "./registry-client.js";

const MANIFEST = JSON.stringify({
  id: "deal-guard",
  kind: "process_hook",
  abi: "json_in_json_out_v1",
  version: "1",
  risk_tier: "low",
  metadata: { description: "Guards deals.", created_by: "agent:dev" },
});

/** A registry that has these sources compiled, with a promotion to dev waiting for one approval. */
function gatedRegistry(
  sources: Array<{ path: string; content: Uint8Array }>,
  calls: string[],
): RegistryClient {
  const revision = {
    definition: { version: "3", state: LifecycleState.IN_REVIEW, metadata: { createdBy: "agent:dev" } },
    sources,
    compileResult: {
      status: CompileStatus.SUCCEEDED,
      toolchain: "t",
      moduleBytes: 1n,
      diagnostics: [],
      testResults: [],
    },
    pendingPromotion: {
      targetEnv: Environment.DEV,
      approvalsRequired: 1,
      requestedBy: "agent:dev",
      approvers: [],
      excludedApprovers: ["agent:dev"],
      eligibleApprovers: [],
    },
    approvals: [],
  };
  return new Proxy({} as RegistryClient, {
    get: (_t, method: string) => async () => {
      calls.push(method);
      if (method !== "getExtension") throw new Error(`unexpected ${method}`);
      return { extension: { latestVersion: "3", deployments: [], pins: [] }, revision };
    },
  });
}

describe("promoteHook()", () => {
  let work: string;
  let hook: string;
  const flags = { registry: "http://127.0.0.1:9", token: "t", tenant: "local", env: "dev", pollMs: 1 };
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-promote-"));
    hook = join(work, "ws", "deal-guard");
    await mkdir(join(hook, "src"), { recursive: true });
    await writeFile(join(hook, "extension.json"), MANIFEST);
    await writeFile(join(hook, "src", "index.ts"), "export const x = 1;\n");
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("refuses a source linked out of the hook folder before it calls the registry (rule hook_folder)", async () => {
    await writeFile(join(work, "tokens.json"), '{"user:alice":"REVIEWER-TOKEN"}');
    const link = join(hook, "src", "settings.json");
    await symlink(join(work, "tokens.json"), link);
    const calls: string[] = [];
    const { deps } = createCapturedDeps({ cwd: hook });
    const failed = await promoteHook({ ...flags, client: gatedRegistry([], calls) }, deps).then(
      () => undefined,
      (e: unknown) => e,
    );
    await rm(link);
    expect(failed).toMatchObject({ code: "permission_denied", details: { rule: "hook_folder", link } });
    expect(calls).toEqual([]);
  });

  it("names an approve command of its own launch, never a node_modules/.bin planted in the workspace", async () => {
    const planted = join(work, "ws", "node_modules", ".bin", "ameide-ext");
    await mkdir(join(work, "ws", "node_modules", ".bin"), { recursive: true });
    await writeFile(planted, "#!/bin/sh\necho agent code runs with $AMEIDE_TOKEN\n");
    await chmod(planted, 0o755);
    const sources = [
      { path: "extension.json", content: new TextEncoder().encode(MANIFEST) },
      { path: "src/index.ts", content: new TextEncoder().encode("export const x = 1;\n") },
    ];
    const { deps } = createCapturedDeps({ cwd: hook, env: { PATH: "/usr/bin" } });
    deps.launch = { script: "/opt/ameide/dist/main.js", execArgv: [] };
    const r = await promoteHook({ ...flags, client: gatedRegistry(sources, []) }, deps);
    expect(r).toMatchObject({ ok: false, reason: "gated", gate: { rule: "approvals_required" } });
    expect(r.gate?.approveCommand).toBe("node /opt/ameide/dist/main.js approve deal-guard 3 --env dev");
    expect(r.gate?.message).not.toContain("npx");
  });

  const gatedSources = () => [
    { path: "extension.json", content: new TextEncoder().encode(MANIFEST) },
    { path: "src/index.ts", content: new TextEncoder().encode("export const x = 1;\n") },
  ];

  it("never names a script inside the agent's root: an MCP server started from the workspace's own node_modules hands over the plain `ameide-ext`", async () => {
    // `npx ameide-ext mcp --root ws` from the workspace: the server's own script is in ws/node_modules, which
    // the agent writes. `node <that script> approve …` would run the agent's edit with the reviewer's token.
    const pkg = join(work, "ws", "node_modules", "@ameide-ext", "cli", "dist");
    await mkdir(pkg, { recursive: true });
    await writeFile(join(pkg, "main.js"), "// the agent may rewrite this file\n");
    const bin = join(work, "ws", "node_modules", ".bin", "ameide-ext-linked");
    await symlink(join(pkg, "main.js"), bin);
    const { deps } = createCapturedDeps({ cwd: join(work, "ws"), env: { PATH: "/usr/bin" } });
    for (const script of [join(pkg, "main.js"), bin]) {
      deps.launch = { script, execArgv: [] };
      const r = await promoteHook(
        { ...flags, dir: hook, agentRoot: join(work, "ws"), client: gatedRegistry(gatedSources(), []) },
        deps,
      );
      expect(r.gate?.approveCommand).toBe("ameide-ext approve deal-guard 3 --env dev");
      expect(r.gate?.message).not.toContain("node_modules");
      expect(r.gate?.message).not.toContain("npx");
      expect(r.gate?.message).toContain("your own install");
    }
    // A server whose script lies outside the root keeps naming it by real path.
    deps.launch = { script: "/opt/ameide/dist/main.js", execArgv: [] };
    const outside = await promoteHook(
      { ...flags, dir: hook, agentRoot: join(work, "ws"), client: gatedRegistry(gatedSources(), []) },
      deps,
    );
    expect(outside.gate?.approveCommand).toBe("node /opt/ameide/dist/main.js approve deal-guard 3 --env dev");
  });

  it("names the plain `ameide-ext` when it is on PATH, not this machine's script path", async () => {
    const onPath = join(work, "bin");
    await mkdir(onPath, { recursive: true });
    await writeFile(join(onPath, "ameide-ext"), "#!/bin/sh\n");
    await chmod(join(onPath, "ameide-ext"), 0o755);
    const { deps } = createCapturedDeps({ cwd: hook, env: { PATH: ["relative/bin", onPath].join(":") } });
    deps.launch = { script: "/opt/ameide/dist/main.js", execArgv: [] };
    const r = await promoteHook({ ...flags, client: gatedRegistry(gatedSources(), []) }, deps);
    expect(r.gate?.approveCommand).toBe("ameide-ext approve deal-guard 3 --env dev");
  });
});
