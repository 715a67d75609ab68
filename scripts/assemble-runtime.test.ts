// The runtime image's folder, tested without an image: scripts/assemble-runtime.mjs assembles exactly
// what the Dockerfile copies (the packed workspace packages and `npm ci --omit=dev` from the npm cache),
// then the runtime is started from that folder alone and serves /healthz and one real invocation.
import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { buildTestHook, writeModule } from "@ameide-ext/runtime/testing/service";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without type declarations
import { assemble, installedPackages } from "./assemble-runtime.mjs";

/** Packages that compile or bundle code: the toolchain's, never the runtime image's. */
const COMPILERS = [
  "assemblyscript",
  "@bytecodealliance/componentize-js",
  "@bytecodealliance/componentize-js-0-19-3",
  "componentize-qjs",
  "@bytecodealliance/jco",
  "@bytecodealliance/wizer",
  "typescript",
  "esbuild",
  "rolldown",
  "tsx",
];

let dir: string;
let out: string;
let assembledMs = 0;
let runtime: ChildProcess | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "assemble-runtime-"));
  out = join(dir, "app");
  const started = performance.now();
  // No build here: `npm test` builds every package first (scripts/setup.mjs), and a build in this test
  // would rewrite dist/ under the suites that run the built code at the same time.
  assemble({ out, service: "runtime", offline: true, build: false });
  assembledMs = performance.now() - started;
  process.stderr.write(`[assemble-runtime.test] assembled in ${Math.round(assembledMs)} ms\n`);
}, 300_000);

afterAll(async () => {
  if (runtime && runtime.exitCode === null) {
    runtime.kill("SIGTERM");
    await new Promise((r) => runtime?.once("exit", r));
  }
  await rm(dir, { recursive: true, force: true });
});

/** The image's user (deploy/images/runtime.Dockerfile: `USER 1000:1000`), when this process may switch to it. */
const IMAGE_USER = process.getuid?.() === 0 ? { uid: 1000, gid: 1000 } : {};

/**
 * Starts the runtime's bin from the assembled folder (cwd there, nothing from the repository), as the
 * image does: as user 1000 when the tests run as root, so the folder, owned by root, is read-only to it,
 * as under a read-only root filesystem. Waits for its listening line.
 */
async function startAssembled(config: string): Promise<{ url: string; lines: Record<string, unknown>[] }> {
  const child = spawn(
    process.execPath,
    [join(out, "node_modules", "@ameide-ext", "runtime", "bin", "ameide-ext-runtime.js"), "--config", config],
    {
      cwd: out,
      env: {
        PATH: process.env.PATH,
        HOME: "/nonexistent",
        AMEIDE_RUNTIME_PORT: "0",
        AMEIDE_RUNTIME_AUTH_MODE: "insecure_local",
      },
      stdio: ["ignore", "pipe", "pipe"],
      ...IMAGE_USER,
    },
  );
  runtime = child;
  const lines: Record<string, unknown>[] = [];
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the runtime exited (${code}): ${stderr}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (text) => {
      const line = JSON.parse(text) as Record<string, unknown>;
      lines.push(line);
      if (line.event === "listening") resolve(String(line.url));
      if (line.event === "start_failed") reject(new Error(String(line.msg)));
    });
  });
  return { url, lines };
}

describe("scripts/assemble-runtime.mjs (the runtime image's folder)", () => {
  it("holds no compiler or bundler package", () => {
    const installed = installedPackages(out);
    expect(installed).toContain("@ameide-ext/runtime");
    expect(installed.filter((name: string) => COMPILERS.includes(name))).toEqual([]);
  });

  it("holds only the packed files of the workspace packages: no sources, no tests", async () => {
    const manifest = JSON.parse(
      await readFile(join(out, "node_modules", "@ameide-ext", "runtime", "package.json"), "utf8"),
    ) as { files: string[] };
    expect(manifest.files).toEqual(["bin", "dist"]);
    const ours = join(out, "node_modules", "@ameide-ext");
    // Our packages' own files: a dependency npm nested under one of them (its node_modules) is not ours.
    const files = ((await readdir(ours, { recursive: true })) as string[]).filter(
      (f) => !f.includes("/node_modules/"),
    );
    expect(files.length).toBeGreaterThan(0);
    expect(
      files.filter((f) => /(^|\/)src(\/|$)|\.test\.[jt]s$|\.ts$/.test(f) && !f.endsWith(".d.ts")),
    ).toEqual([]);
    const installed = installedPackages(out);
    expect(installed.filter((name: string) => name.startsWith("@ameide-ext/")).sort()).toEqual([
      "@ameide-ext/component-tools",
      "@ameide-ext/contract",
      "@ameide-ext/proto",
      "@ameide-ext/runtime",
    ]);
  });

  it("starts the runtime from that folder alone: /healthz, /readyz and one invocation", async () => {
    const hook = await buildTestHook("echo", "7");
    const modules = join(dir, "modules");
    const ref = await writeModule(modules, "echo", hook);
    const config = join(dir, "catalog.json");
    await writeFile(
      config,
      JSON.stringify({
        env: "dev",
        extensions: [
          {
            tenant_id: "acme",
            extension_id: "echo",
            version: "7",
            kind: "process_hook",
            wasm_blob_ref: ref,
            risk_tier: "low",
          },
        ],
        runtime: { store: { root: modules }, pool: { size: 1 } },
      }),
    );
    // The test's folder (mkdtemp: 0700) readable by the image's user, as a mounted ConfigMap is.
    await chmod(dir, 0o755);
    const { url } = await startAssembled(config);
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const deadline = Date.now() + 30_000;
    while ((await fetch(`${url}/readyz`)).status !== 200) {
      if (Date.now() > deadline) throw new Error("/readyz did not answer 200 within 30 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    const res = await fetch(`${url}/ameide.extensions.v1.WasmExtensionRuntime/InvokeExtension`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        extension_id: "echo",
        version: "latest",
        ctx: { tenant_id: "acme", user_id: "u-1", actor_type: "USER", correlation_id: "image-1" },
        input_json: Buffer.from(JSON.stringify({ n: 1 })).toString("base64"),
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { outcome: string; outputJson: string; resolvedVersion: string };
    expect(body.outcome).toBe("OUTCOME_OK");
    expect(body.resolvedVersion).toBe("7");
    expect(JSON.parse(Buffer.from(body.outputJson, "base64").toString())).toEqual({
      echo: { n: 1 },
      version: "7",
    });
  });
});
