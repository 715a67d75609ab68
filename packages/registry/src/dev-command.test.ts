// `ameide-ext dev` as the terminal runs it: the document once both services are up, then a clean stop on SIGINT.
import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CliDeps, createNodeDeps, runCli, startDevStack } from "@ameide-ext/cli";
import { createRuntimeClient, userContext } from "@ameide-ext/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe("ameide-ext dev", () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-dev-cmd-"));
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("starts the registry and a runtime, prints one JSON document, and stops on SIGINT", async () => {
    let out = "";
    const sink = { write: () => {}, isTTY: false, columns: undefined };
    const deps: CliDeps = {
      ...createNodeDeps(),
      cwd: work,
      stdout: {
        write: (t: string) => {
          out += t;
        },
        isTTY: false,
        columns: undefined,
      },
      stderr: sink,
      env: { HOME: work },
    };
    const running = runCli(["dev", "--registry-port", "0", "--runtime-port", "0", "--json"], deps);
    const deadline = Date.now() + 30_000;
    while (!out.includes("\n") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const doc = JSON.parse(out) as {
      ok: boolean;
      registryUrl: string;
      runtimeUrl: string;
      tokens: Record<string, string>;
      tenant: string;
      runtimeToken: string;
      runtimeTokenFile: string;
    };
    expect(doc).toMatchObject({
      ok: true,
      registryUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
    });
    expect(Object.keys(doc.tokens)).toEqual(expect.arrayContaining(["user:reviewer", "agent:dev"]));
    expect((await fetch(`${doc.registryUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${doc.runtimeUrl}/healthz`)).status).toBe(200);
    // The runtime authenticates its callers: the stack's caller token acts for the stack's tenant only.
    expect((await stat(doc.runtimeTokenFile)).mode & 0o777).toBe(0o600);
    expect((await readFile(doc.runtimeTokenFile, "utf8")).trim()).toBe(doc.runtimeToken);
    const ctx = userContext({ tenantId: doc.tenant, userId: "u1" });
    const anonymous = createRuntimeClient({ baseUrl: doc.runtimeUrl, httpVersion: "1.1" });
    const caller = createRuntimeClient({
      baseUrl: doc.runtimeUrl,
      httpVersion: "1.1",
      token: () => doc.runtimeToken,
    });
    await expect(anonymous.invoke({ extensionId: "nope", ctx, input: {} })).rejects.toMatchObject({
      code: "unauthenticated",
      reason: "caller_unauthenticated",
    });
    await expect(
      caller.invoke({ extensionId: "nope", ctx: { ...ctx, tenantId: "elsewhere" }, input: {} }),
    ).rejects.toMatchObject({ code: "permission_denied", reason: "tenant_not_allowed" });
    await expect(caller.invoke({ extensionId: "nope", ctx, input: {} })).rejects.toMatchObject({
      code: "not_found",
    });
    anonymous.close();
    caller.close();
    process.emit("SIGINT");
    expect(await running).toBe(0);
    expect(out.trim().split("\n")).toHaveLength(1);
  });

  // Issue #14: an agent could not find how to call the runtime; `dev` prints the route, and `invoke` uses the stack.
  it("prints the curl route of an invocation, which works as printed, and `invoke` finds the stack from a folder under it", async () => {
    const root = join(work, "project");
    const sub = join(root, "hooks", "deal-guard");
    await mkdir(sub, { recursive: true });
    await writeFile(join(sub, "input.json"), '{"amount":72000}');
    let out = "";
    const sink = { write: () => {}, isTTY: false, columns: undefined };
    const deps: CliDeps = {
      ...createNodeDeps(),
      cwd: root,
      stdout: {
        write: (t: string) => {
          out += t;
        },
        isTTY: false,
        columns: undefined,
      },
      stderr: sink,
      env: { HOME: work },
    };
    const running = runCli(
      ["dev", "--registry-port", "0", "--runtime-port", "0", "--log-level", "silent"],
      deps,
    );
    const deadline = Date.now() + 30_000;
    while (!out.includes("export AMEIDE_CONFIG") && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    try {
      const curl = out.split("\n").find((l) => l.includes("curl "));
      expect(curl, out).toContain("/ameide.extensions.v1.WasmExtensionRuntime/InvokeExtension");
      expect(curl).toContain("inputJson");
      expect(out).toContain("npx ameide-ext invoke <extension> --input input.json");
      const command = (curl as string)
        .slice((curl as string).indexOf("curl "))
        .replace("<extension>", "nope");
      const answer = await new Promise<string>((resolve, reject) =>
        execFile("bash", ["-c", command], { cwd: sub }, (error, stdout) =>
          error ? reject(error) : resolve(stdout),
        ),
      );
      // Authenticated with the stack's token and well formed: the runtime looked the extension up.
      expect(JSON.parse(answer)).toMatchObject({
        outcome: "OUTCOME_TECHNICAL_ERROR",
        errorCode: "not_found",
      });
      let doc = "";
      const invoke = await runCli(["invoke", "nope", "--input", "input.json", "--json"], {
        ...deps,
        cwd: sub,
        stdout: {
          ...sink,
          write: (t: string) => {
            doc += t;
          },
        },
      });
      expect(invoke).toBe(1);
      expect(JSON.parse(doc)).toMatchObject({ ok: false, error: { code: "not_found" } });
    } finally {
      process.emit("SIGINT");
      expect(await running).toBe(0);
    }
  });

  // Issue #10: the stack's tokens let anyone who reads them approve as a reviewer.
  it("keeps the stack's folder (0700) and its token, config and key files (0600) to the owner, and never uses tokens it did not write", async () => {
    const dir = join(work, "wide-stack");
    await mkdir(dir, { mode: 0o755 });
    await chmod(dir, 0o755);
    const SECRET_FILES = ["tokens.json", "config.json", "runtime-token", "caller-jwks.json"];
    const old = {
      "user:ann": "old-ann-token-0123456789",
      "user:reviewer": "old-reviewer-token-0123456789",
      "agent:dev": "old-agent-token-0123456789",
    };
    for (const file of SECRET_FILES) {
      await writeFile(join(dir, file), file === "tokens.json" ? JSON.stringify(old) : "{}\n", {
        mode: 0o644,
      });
      await chmod(join(dir, file), 0o644);
    }
    const sink = { write: () => {}, isTTY: false, columns: undefined };
    const deps: CliDeps = { ...createNodeDeps(), cwd: work, stdout: sink, stderr: sink, env: { HOME: work } };
    const stack = await startDevStack({ dir, registryPort: 0, runtimePort: 0, logLevel: "silent" }, deps);
    try {
      // A tokens.json dev did not write (mode 0644, unsealed) is someone else's: new tokens replace it.
      expect(Object.keys(stack.tokens)).toEqual(expect.arrayContaining(["user:reviewer", "agent:dev"]));
      for (const token of Object.values(old)) expect(Object.values(stack.tokens)).not.toContain(token);
      expect((await stat(dir)).mode & 0o777).toBe(0o700);
      const modes = Object.fromEntries(
        await Promise.all(
          SECRET_FILES.map(async (f) => [f, (await stat(join(dir, f))).mode & 0o777] as const),
        ),
      );
      expect(modes).toEqual(Object.fromEntries(SECRET_FILES.map((f) => [f, 0o600])));
    } finally {
      await stack.close();
    }
  });

  it("exits 1 at once on a second signal during the drain (regression: the second signal was ignored)", async () => {
    let out = "";
    let err = "";
    const deps: CliDeps = {
      ...createNodeDeps(),
      cwd: work,
      stdout: {
        write: (t: string) => {
          out += t;
        },
        isTTY: false,
        columns: undefined,
      },
      stderr: {
        write: (t: string) => {
          err += t;
        },
        isTTY: false,
        columns: undefined,
      },
      env: { HOME: work },
    };
    const before = [process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")];
    const running = runCli(
      ["dev", "--dir", join(work, ".forced"), "--registry-port", "0", "--runtime-port", "0"],
      deps,
    );
    const deadline = Date.now() + 30_000;
    while (!err.includes("running;") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const runtimeUrl = /runtime\s+(http:\/\/\S+)/.exec(out)?.[1] as string;
    expect((await fetch(`${runtimeUrl}/healthz`)).status).toBe(200);
    process.emit("SIGINT");
    process.emit("SIGTERM");
    const started = performance.now();
    expect(await running).toBe(1);
    expect(performance.now() - started).toBeLessThan(500);
    expect(err).toContain("second signal");
    // It listens for signals only while it runs.
    expect([process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")]).toEqual(before);
  });
});
