// Issue #14: "npm packages build, test and run locally, then promote fails (TS2307 Cannot find module)".
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installInHook, PURE_JS_PACKAGE, packTarball } from "../testing/npm-tarball.js";
import { checkLockfile } from "./check-lockfile.js";
import { dependencySettings, installDependencies } from "./install-dependencies.js";

describe("installDependencies()", () => {
  let work: string;
  let n = 0;
  /** A fresh hook folder and the scratch folder beside it, as the compile worker makes them. */
  const fresh = async () => {
    const root = join(work, `case-${n++}`);
    await mkdir(join(root, "hook"), { recursive: true });
    return { dir: join(root, "hook"), scratch: join(root, ".deps") };
  };
  const settings = dependencySettings();
  const reasons = (d: Array<{ reason: string }>) => d.map((x) => x.reason);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-deps-test-"));
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("does nothing for a hook without package.json, or one that declares no dependencies", async () => {
    const { dir, scratch } = await fresh();
    expect(await installDependencies(dir, scratch, settings)).toEqual([]);
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "h", scripts: { build: "x" } }));
    expect(await installDependencies(dir, scratch, settings)).toEqual([]);
    expect(existsSync(join(dir, "node_modules"))).toBe(false);
  });

  it("installs a pure-JS tarball dependency into the hook's node_modules, offline", async () => {
    const { dir, scratch } = await fresh();
    await installInHook(dir, { [PURE_JS_PACKAGE.name]: await packTarball(dir, PURE_JS_PACKAGE) });
    await rm(join(dir, "node_modules"), { recursive: true });
    // A registry that answers nothing: the install of tarballs never asks it.
    const offline = { ...settings, registryUrl: "http://127.0.0.1:9/" };
    expect(await installDependencies(dir, scratch, offline)).toEqual([]);
    expect(await readFile(join(dir, "node_modules", PURE_JS_PACKAGE.name, "index.js"), "utf8")).toContain(
      "threshold",
    );
  });

  it("replaces a node_modules the upload carries with what the lockfile installs", async () => {
    const { dir, scratch } = await fresh();
    await installInHook(dir, { [PURE_JS_PACKAGE.name]: await packTarball(dir, PURE_JS_PACKAGE) });
    await writeFile(join(dir, "node_modules", PURE_JS_PACKAGE.name, "index.js"), "forged");
    expect(await installDependencies(dir, scratch, settings)).toEqual([]);
    expect(await readFile(join(dir, "node_modules", PURE_JS_PACKAGE.name, "index.js"), "utf8")).not.toContain(
      "forged",
    );
  });

  it("refuses dependencies without a lockfile: dependency_lockfile_missing", async () => {
    const { dir, scratch } = await fresh();
    await writeFile(join(dir, "package.json"), JSON.stringify({ dependencies: { "decimal.js": "^10" } }));
    const out = await installDependencies(dir, scratch, settings);
    expect(out).toMatchObject([
      { step: "build", reason: "dependency_lockfile_missing", path: "package.json" },
    ]);
    expect(out[0]?.message).toContain('"decimal.js"');
  });

  it("refuses a package with an install script by the lockfile, before installing: dependency_install_script", async () => {
    const { dir, scratch } = await fresh();
    const marker = join(work, "install-script-ran");
    const script = `node -e "require('fs').writeFileSync('${marker}', 'x')"`;
    const spec = await packTarball(dir, {
      ...PURE_JS_PACKAGE,
      name: "scripted",
      scripts: { install: script },
    });
    await installInHook(dir, { scripted: spec });
    const out = await installDependencies(dir, scratch, settings);
    expect(reasons(out)).toEqual(["dependency_install_script"]);
    expect(out[0]?.message).toContain('"scripted"');
    expect(existsSync(marker)).toBe(false);
  });

  it("refuses a package with an install script a forged lockfile hides, after installing, without running it", async () => {
    const { dir, scratch } = await fresh();
    const marker = join(work, "hidden-script-ran");
    const script = `node -e "require('fs').writeFileSync('${marker}', 'x')"`;
    const spec = await packTarball(dir, {
      ...PURE_JS_PACKAGE,
      name: "hidden",
      scripts: { postinstall: script },
    });
    await installInHook(dir, { hidden: spec });
    const lock = JSON.parse(await readFile(join(dir, "package-lock.json"), "utf8"));
    delete lock.packages["node_modules/hidden"].hasInstallScript;
    await writeFile(join(dir, "package-lock.json"), JSON.stringify(lock));
    await rm(join(dir, "node_modules"), { recursive: true }); // the CLI uploads none
    expect(reasons(await installDependencies(dir, scratch, settings))).toEqual(["dependency_install_script"]);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(join(dir, "node_modules"))).toBe(false);
  });

  it("refuses a native binding: dependency_native", async () => {
    const { dir, scratch } = await fresh();
    // A prebuilt binary (a binding.gyp alone, npm marks as an install script: node-gyp rebuild).
    const files = { ...PURE_JS_PACKAGE.files, "addon.node": "\x7fELF" };
    await installInHook(dir, { native: await packTarball(dir, { name: "native", files }) });
    const out = await installDependencies(dir, scratch, settings);
    expect(reasons(out)).toEqual(["dependency_native"]);
    expect(out[0]?.message).toContain('"native"');
  });

  it.each([
    ["a git URL", "git+ssh://git@github.com/x/y.git#abc"],
    ["another registry", "https://evil.example/tiny/-/tiny-1.0.0.tgz"],
    ["a tarball outside the hook", "file:../../outside.tgz"],
  ])("refuses a package resolved from %s: dependency_source", async (_what, resolved) => {
    const { dir, scratch } = await fresh();
    await writeFile(join(dir, "package.json"), JSON.stringify({ dependencies: { tiny: "1.0.0" } }));
    const lock = {
      lockfileVersion: 3,
      packages: {
        "": { dependencies: { tiny: "1.0.0" } },
        "node_modules/tiny": { version: "1.0.0", resolved, integrity: "sha512-x" },
      },
    };
    await writeFile(join(dir, "package-lock.json"), JSON.stringify(lock));
    const out = await installDependencies(dir, scratch, settings);
    expect(out).toMatchObject([{ reason: "dependency_source", path: "package-lock.json" }]);
    expect(out[0]?.message).toContain(JSON.stringify(resolved));
  });

  describe("a lockfile entry that would send npm elsewhere than its resolved URL", () => {
    // npm ci fetches an entry without `resolved` as `${entry.name}@${entry.version}`: a name that carries a
    // URL or a git spec was fetched (the registry host's git repos read, its network reached).
    let server: Server;
    let hits: string[];
    let url: string;
    beforeAll(async () => {
      hits = [];
      server = createServer((req, res) => {
        hits.push(`${req.method} ${req.url}`);
        res.statusCode = 404;
        res.end();
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it.each([
      ["a URL in its name", (u: string) => ({ name: `tiny@${u}/internal/secret.tgz#`, version: "1.0.0" })],
      ["a git spec in its name", () => ({ name: "tiny@git+file:///etc/repo#HEAD", version: "1.0.0" })],
      ["a URL in its version", (u: string) => ({ version: `${u}/internal/secret.tgz` })],
      [
        "a URL in its name beside a registry resolved",
        (u: string) => ({
          name: `tiny@${u}/internal/secret.tgz#`,
          version: "1.0.0",
          resolved: "https://registry.npmjs.org/tiny/-/tiny-1.0.0.tgz",
        }),
      ],
    ])("refuses an entry with %s before npm runs: dependency_source", async (_what, entryOf) => {
      const { dir, scratch } = await fresh();
      await writeFile(join(dir, "package.json"), JSON.stringify({ dependencies: { tiny: "1.0.0" } }));
      const entry = { integrity: "sha512-x", ...entryOf(url) };
      const lock = {
        lockfileVersion: 3,
        packages: { "": { dependencies: { tiny: "1.0.0" } }, "node_modules/tiny": entry },
      };
      await writeFile(join(dir, "package-lock.json"), JSON.stringify(lock));
      const out = await installDependencies(dir, scratch, { ...settings, registryUrl: url });
      expect(out).toMatchObject([{ reason: "dependency_source", path: "package-lock.json" }]);
      expect(hits).toEqual([]);
      expect(existsSync(join(dir, "node_modules"))).toBe(false);
    });

    it.each([
      ["a git repository", "git+file:///srv/repo"],
      ["a folder of the host", "file:/srv/secrets"],
      ["another server", "https://10.0.0.5/x.tgz"],
    ])(
      "refuses a bundled entry resolved from %s: npm fetches a root bundle's entries itself",
      (_what, resolved) => {
        const lock = {
          lockfileVersion: 3,
          packages: {
            "": { dependencies: { x: "1.0.0" }, bundleDependencies: ["x"] },
            "node_modules/x": { version: "1.0.0", inBundle: true, resolved },
          },
        };
        expect(checkLockfile(lock, url)).toMatchObject({ diagnostics: [{ reason: "dependency_source" }] });
      },
    );

    it("refuses the hook's own bundled dependencies, and takes those inside a registry package's tarball", () => {
      const root = {
        lockfileVersion: 3,
        packages: {
          "": { dependencies: { x: "1.0.0" }, bundleDependencies: ["x"] },
          "node_modules/x": { version: "1.0.0", inBundle: true },
        },
      };
      expect(checkLockfile(root, url)).toMatchObject({ diagnostics: [{ reason: "dependency_source" }] });
      const nested = {
        lockfileVersion: 3,
        packages: {
          "": { dependencies: { tiny: "1.0.0" } },
          "node_modules/tiny": {
            version: "1.0.0",
            resolved: `${url}/tiny/-/tiny-1.0.0.tgz`,
            integrity: "sha512-x",
          },
          "node_modules/tiny/node_modules/inner": { version: "2.0.0", inBundle: true },
        },
      };
      expect(checkLockfile(nested, `${url}/`)).toEqual({ locked: { tarballs: [], fromRegistry: true } });
    });

    it.each([".", "..", ".hidden", "_private"])(
      "refuses the folder name %s, which npm never gives a package",
      (name) => {
        const lock = {
          lockfileVersion: 3,
          packages: { "": {}, [`node_modules/${name}`]: { version: "1.0.0", integrity: "sha512-x" } },
        };
        expect(checkLockfile(lock, url)).toMatchObject({ diagnostics: [{ reason: "dependency_source" }] });
      },
    );

    it.each([
      ["a git repository", "git+file:///srv/repo"],
      ["a URL", "https://10.0.0.5/x.tgz"],
      ["a GitHub shorthand", "someone/repo"],
      ["a folder", "file:../outside"],
      ["a link", "link:../x"],
    ])(
      "refuses a package.json dependency on %s before npm runs: npm resolves package.json first",
      async (_what, spec) => {
        const { dir, scratch } = await fresh();
        await writeFile(join(dir, "package.json"), JSON.stringify({ dependencies: { a: spec } }));
        await writeFile(
          join(dir, "package-lock.json"),
          JSON.stringify({ lockfileVersion: 3, packages: { "": {} } }),
        );
        const out = await installDependencies(dir, scratch, { ...settings, registryUrl: url });
        expect(out).toMatchObject([{ reason: "dependency_source", path: "package.json" }]);
        expect(out[0]?.message).toContain(JSON.stringify(spec));
        expect(hits).toEqual([]);
      },
    );

    it.each(["workspaces", "overrides", "bundleDependencies", "bundledDependencies"])(
      "refuses %s in package.json: npm reads host folders or fetches through them",
      async (field) => {
        const { dir, scratch } = await fresh();
        const manifest = {
          dependencies: { tiny: "1.0.0" },
          [field]: field === "overrides" ? { tiny: "git+file:///srv/r" } : ["../repo"],
        };
        await writeFile(join(dir, "package.json"), JSON.stringify(manifest));
        const lock = {
          lockfileVersion: 3,
          packages: { "": {}, "node_modules/tiny": { version: "1.0.0", integrity: "sha512-x" } },
        };
        await writeFile(join(dir, "package-lock.json"), JSON.stringify(lock));
        const out = await installDependencies(dir, scratch, { ...settings, registryUrl: url });
        expect(out).toMatchObject([{ reason: "dependency_source", path: "package.json" }]);
        expect(out[0]?.message).toContain(field);
      },
    );

    it("refuses a declared dependency the lockfile does not lock: dependency_lockfile", async () => {
      const { dir, scratch } = await fresh();
      await writeFile(join(dir, "package.json"), JSON.stringify({ dependencies: { tiny: "^1.0.0" } }));
      await writeFile(
        join(dir, "package-lock.json"),
        JSON.stringify({ lockfileVersion: 3, packages: { "": {} } }),
      );
      const out = await installDependencies(dir, scratch, { ...settings, registryUrl: url });
      expect(out).toMatchObject([{ reason: "dependency_lockfile", path: "package-lock.json" }]);
      expect(hits).toEqual([]);
    });

    it("takes an entry without resolved whose name and version are plain (npm's omit-lockfile-registry-resolved)", () => {
      const lock = {
        lockfileVersion: 3,
        packages: {
          "": { dependencies: { tiny: "1.0.0", "@scope/Old_Name": "2.0.0" } },
          "node_modules/tiny": { version: "1.0.0", integrity: "sha512-x" },
          "node_modules/@scope/Old_Name": {
            name: "@scope/Old_Name",
            version: "2.0.0-rc.1+b",
            integrity: "sha512-y",
          },
        },
      };
      expect(checkLockfile(lock, url)).toEqual({ locked: { tarballs: [], fromRegistry: true } });
    });

    it("refuses a package whose folder name is not an npm package name: dependency_source", async () => {
      const { dir, scratch } = await fresh();
      await writeFile(join(dir, "package.json"), JSON.stringify({ dependencies: { tiny: "1.0.0" } }));
      const lock = {
        lockfileVersion: 3,
        packages: {
          "": { dependencies: { tiny: "1.0.0" } },
          "node_modules/tiny@git+file:": {
            version: "1.0.0",
            resolved: `${url}/tiny.tgz`,
            integrity: "sha512-x",
          },
        },
      };
      await writeFile(join(dir, "package-lock.json"), JSON.stringify(lock));
      const out = await installDependencies(dir, scratch, { ...settings, registryUrl: url });
      expect(reasons(out)).toEqual(["dependency_source"]);
      expect(hits).toEqual([]);
    });
  });

  it("refuses a link to a folder: dependency_source", async () => {
    const { dir, scratch } = await fresh();
    await writeFile(join(dir, "package.json"), JSON.stringify({ dependencies: { up: "file:.." } }));
    const lock = {
      lockfileVersion: 3,
      packages: { "": {}, "node_modules/up": { resolved: "..", link: true }, "..": { version: "1.0.0" } },
    };
    await writeFile(join(dir, "package-lock.json"), JSON.stringify(lock));
    expect(reasons(await installDependencies(dir, scratch, settings))).toContain("dependency_source");
  });

  it("refuses a lockfile npm ci cannot use, or one too large: dependency_lockfile, dependency_manifest_too_large", async () => {
    const { dir, scratch } = await fresh();
    await writeFile(join(dir, "package.json"), JSON.stringify({ dependencies: { tiny: "1.0.0" } }));
    await writeFile(join(dir, "package-lock.json"), JSON.stringify({ lockfileVersion: 1, dependencies: {} }));
    expect(reasons(await installDependencies(dir, scratch, settings))).toEqual(["dependency_lockfile"]);
    await writeFile(join(dir, "package-lock.json"), "{ not json");
    expect(reasons(await installDependencies(dir, scratch, settings))).toEqual(["dependency_lockfile"]);
    await writeFile(join(dir, "package-lock.json"), " ".repeat(4 * 1024 * 1024 + 1));
    expect(reasons(await installDependencies(dir, scratch, settings))).toEqual([
      "dependency_manifest_too_large",
    ]);
  });

  it("refuses what passes the installed size or file cap: dependency_too_large", async () => {
    const { dir, scratch } = await fresh();
    const files = { ...PURE_JS_PACKAGE.files, "big.js": `export const big = "${"x".repeat(20_000)}";\n` };
    await installInHook(dir, { big: await packTarball(dir, { name: "big", files }) });
    expect(reasons(await installDependencies(dir, scratch, { ...settings, maxBytes: 10_000 }))).toEqual([
      "dependency_too_large",
    ]);
    await rm(scratch, { recursive: true, force: true });
    expect(reasons(await installDependencies(dir, scratch, { ...settings, maxFiles: 3 }))).toEqual([
      "dependency_too_large",
    ]);
  });

  it("reports npm's failure (a tarball that does not match its integrity): dependency_install_failed, without the scratch path", async () => {
    const { dir, scratch } = await fresh();
    await installInHook(dir, { [PURE_JS_PACKAGE.name]: await packTarball(dir, PURE_JS_PACKAGE) });
    const lock = JSON.parse(await readFile(join(dir, "package-lock.json"), "utf8"));
    const entry = lock.packages[`node_modules/${PURE_JS_PACKAGE.name}`];
    entry.integrity = `sha512-${Buffer.alloc(64).toString("base64")}`;
    await writeFile(join(dir, "package-lock.json"), JSON.stringify(lock));
    const out = await installDependencies(dir, scratch, { ...settings, registryUrl: "http://127.0.0.1:9/" });
    expect(reasons(out)).toEqual(["dependency_install_failed"]);
    expect(out[0]?.message).not.toContain(scratch);
  });

  it("refuses a lockfile out of step with package.json before npm runs: dependency_lockfile", async () => {
    const { dir, scratch } = await fresh();
    await installInHook(dir, { [PURE_JS_PACKAGE.name]: await packTarball(dir, PURE_JS_PACKAGE) });
    const manifest = JSON.parse(await readFile(join(dir, "package.json"), "utf8"));
    manifest.dependencies["left-pad"] = "1.3.0";
    await writeFile(join(dir, "package.json"), JSON.stringify(manifest));
    const out = await installDependencies(dir, scratch, { ...settings, registryUrl: "http://127.0.0.1:9/" });
    expect(reasons(out)).toEqual(["dependency_lockfile"]);
    expect(out[0]?.message).toContain('"left-pad"');
  });

  it("names a missing npm, and where it was looked for: dependency_install_failed", async () => {
    const { dir, scratch } = await fresh();
    await installInHook(dir, { [PURE_JS_PACKAGE.name]: await packTarball(dir, PURE_JS_PACKAGE) });
    const npmCli = join(work, "no-such-npm", "npm-cli.js");
    const out = await installDependencies(dir, scratch, { ...settings, npmCli });
    expect(reasons(out)).toEqual(["dependency_install_failed"]);
    expect(out[0]?.message).toContain(npmCli);
    // The fix is the registry's operator's, not the author's lockfile.
    expect(out[0]?.message).not.toContain("matches package.json");
  });

  it("stops npm at its time limit: dependency_install_timeout", async () => {
    const { dir, scratch } = await fresh();
    await installInHook(dir, { [PURE_JS_PACKAGE.name]: await packTarball(dir, PURE_JS_PACKAGE) });
    const npmCli = join(work, "slow-npm.mjs");
    await writeFile(npmCli, "setTimeout(() => {}, 60_000);\n");
    expect(reasons(await installDependencies(dir, scratch, { ...settings, npmCli, timeoutMs: 300 }))).toEqual(
      ["dependency_install_timeout"],
    );
  });

  it("stops what npm started at its time limit too (git, say), not npm alone", async () => {
    const { dir, scratch } = await fresh();
    await installInHook(dir, { [PURE_JS_PACKAGE.name]: await packTarball(dir, PURE_JS_PACKAGE) });
    const npmCli = join(work, "forking-npm.mjs");
    const pidFile = join(work, "forking-npm.pid");
    await writeFile(
      npmCli,
      `import { spawn } from "node:child_process";\nimport { writeFileSync } from "node:fs";\nconst c = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)"], { stdio: "ignore" });\nwriteFileSync(${JSON.stringify(pidFile)}, String(c.pid));\nsetTimeout(() => {}, 60_000);\n`,
    );
    expect(
      reasons(await installDependencies(dir, scratch, { ...settings, npmCli, timeoutMs: 1_000 })),
    ).toEqual(["dependency_install_timeout"]);
    const pid = Number(await readFile(pidFile, "utf8"));
    // Running or sleeping; a killed process nobody has reaped yet (state Z) has stopped.
    const alive = () => {
      try {
        return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 50 && alive(); i++) await new Promise((r) => setTimeout(r, 20));
    const stillAlive = alive();
    if (stillAlive) process.kill(pid, "SIGKILL");
    expect(stillAlive).toBe(false);
  });

  it("runs npm ci --ignore-scripts with a clean environment, a scratch HOME and npm config, never the host's", async () => {
    const { dir, scratch } = await fresh();
    await installInHook(dir, { [PURE_JS_PACKAGE.name]: await packTarball(dir, PURE_JS_PACKAGE) });
    // An uploaded .npmrc (a registry, a token) must not reach npm: only package.json, the lockfile and tarballs do.
    await writeFile(join(dir, ".npmrc"), "registry=http://127.0.0.1:9/\n//127.0.0.1:9/:_authToken=upload\n");
    const npmCli = join(work, "spy-npm.mjs");
    const seen = join(work, "spy-npm.json");
    await writeFile(
      npmCli,
      `import { readdirSync, writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(seen)}, JSON.stringify({ env: process.env, argv: process.argv.slice(2), cwd: process.cwd(), files: readdirSync(".") }));\n`,
    );
    process.env.NPM_TOKEN = "host-secret";
    process.env.npm_config__authToken = "host-secret";
    try {
      expect(await installDependencies(dir, scratch, { ...settings, npmCli })).toEqual([]);
    } finally {
      delete process.env.NPM_TOKEN;
      delete process.env.npm_config__authToken;
    }
    const spy = JSON.parse(await readFile(seen, "utf8")) as {
      env: Record<string, string>;
      argv: string[];
      cwd: string;
      files: string[];
    };
    expect(Object.keys(spy.env).sort()).toEqual(["HOME", "PATH"]);
    expect(spy.env.HOME?.startsWith(scratch)).toBe(true);
    expect(spy.argv).toEqual(
      expect.arrayContaining([
        "ci",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
        "--offline",
        // npm's own refusal of other sources, behind the lockfile's check.
        "--allow-git=none",
        "--allow-remote=none",
        "--allow-directory=none",
      ]),
    );
    expect(spy.argv.find((a) => a.startsWith("--userconfig="))?.startsWith(`--userconfig=${scratch}`)).toBe(
      true,
    );
    expect(
      spy.argv.find((a) => a.startsWith("--globalconfig="))?.startsWith(`--globalconfig=${scratch}`),
    ).toBe(true);
    expect(spy.cwd).toBe(scratch);
    expect(spy.files).not.toContain(".npmrc");
  });
});
