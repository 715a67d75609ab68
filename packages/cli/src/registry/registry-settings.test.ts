import { execFileSync } from "node:child_process";
import { closeSync, constants, openSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCapturedDeps } from "../testing/cli-process.js";
import { resolveRegistrySettings } from "./registry-settings.js";

describe("resolveRegistrySettings()", () => {
  it("takes each setting from the flag, then the environment, then the config file, and the tenant defaults to local", async () => {
    const { deps } = createCapturedDeps({ cwd: "/" });
    const env = { AMEIDE_REGISTRY_URL: "http://env:1", AMEIDE_TOKEN: "env-token", HOME: "/nonexistent" };
    await expect(resolveRegistrySettings({}, { ...deps, env })).resolves.toEqual({
      url: "http://env:1",
      token: "env-token",
      tenant: "local",
    });
    await expect(
      resolveRegistrySettings({ registry: "http://flag:2/", tenant: "acme" }, { ...deps, env }),
    ).resolves.toEqual({ url: "http://flag:2", token: "env-token", tenant: "acme" });
  });

  it("refuses a missing URL or token, and a URL that is not http(s), as invalid_argument", async () => {
    const { deps } = createCapturedDeps({ cwd: "/" });
    const noFile = { ...deps, env: { HOME: "/nonexistent" } };
    await expect(resolveRegistrySettings({ token: "t" }, noFile)).rejects.toMatchObject({
      code: "invalid_argument",
    });
    await expect(resolveRegistrySettings({ registry: "http://x" }, noFile)).rejects.toMatchObject({
      code: "invalid_argument",
    });
    await expect(resolveRegistrySettings({ registry: "ftp://x", token: "t" }, noFile)).rejects.toMatchObject({
      code: "invalid_argument",
    });
  });

  it("finds the .ameide-dev/config.json that dev wrote in the cwd or a folder above it", async () => {
    const work = await mkdtemp(join(tmpdir(), "ameide-settings-"));
    try {
      await mkdir(join(work, ".ameide-dev"));
      await mkdir(join(work, "hooks", "deal-guard"), { recursive: true });
      await writeFile(
        join(work, ".ameide-dev", "config.json"),
        JSON.stringify({ registry_url: "http://127.0.0.1:8090", token: "dev-token", tenant: "local" }),
      );
      const { deps } = createCapturedDeps({ cwd: join(work, "hooks", "deal-guard") });
      await expect(
        resolveRegistrySettings({}, { ...deps, env: { HOME: join(work, "no-home") } }),
      ).resolves.toEqual({ url: "http://127.0.0.1:8090", token: "dev-token", tenant: "local" });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it("names the .ameide-dev/config.json that dev writes when there is no registry URL", async () => {
    const { deps } = createCapturedDeps({ cwd: "/" });
    const error = await resolveRegistrySettings(
      { token: "t" },
      { ...deps, env: { HOME: "/nonexistent" } },
    ).catch((e: unknown) => e as { code: string; message: string });
    expect(error).toMatchObject({ code: "invalid_argument" });
    expect((error as { message: string }).message).toContain(".ameide-dev/config.json");
  });
});

// Red team: a `.ameide-dev/config.json` committed as a symlink to /dev/zero, or as a FIFO, was read whole and
// through the link before it was checked: every registry command then hung, or filled the memory.
describe("a config file that is not a regular file", () => {
  let work: string;
  let n = 0;
  const good = { registry_url: "http://127.0.0.1:8090", token: "dev-token", tenant: "local" };
  const env = (extra: Record<string, string> = {}) => ({ HOME: join(work, "no-home"), ...extra });
  /** A new folder with a `.ameide-dev` in it, and the path of its config.json. */
  const freshProject = async () => {
    const dir = join(work, `project-${n++}`);
    await mkdir(join(dir, ".ameide-dev"), { recursive: true });
    return { dir, config: join(dir, ".ameide-dev", "config.json") };
  };
  const plant: Record<string, (at: string) => Promise<void>> = {
    "a symlink to /dev/zero": (at) => symlink("/dev/zero", at),
    "a FIFO": async (at) => {
      execFileSync("mkfifo", ["-m", "600", at]);
    },
  };
  /** Lets go a reader stuck opening the FIFO `at` (none when nothing waits on it). */
  const release = (at: string) => {
    try {
      closeSync(openSync(at, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // no reader waiting, or not a FIFO
    }
  };
  /** What `run` gave, or threw, or "still waiting" after 2 s; and how long it took. */
  const within2s = async (run: () => Promise<unknown>) => {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      run().then(
        (value) => ({ value }),
        (error: unknown) => ({ error: error as { code?: string; message?: string; details?: unknown } }),
      ),
      new Promise<{ error: { message: string } }>((resolve) => {
        timer = setTimeout(() => resolve({ error: { message: "still waiting after 2 s" } }), 2_000);
      }),
    ]);
    clearTimeout(timer);
    return { ...outcome, ms: performance.now() - started };
  };
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-settings-special-"));
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it.each(Object.keys(plant))(
    "refuses a discovered .ameide-dev/config.json that is %s, quickly, and takes a good one after",
    async (what) => {
      const { dir, config } = await freshProject();
      await plant[what]?.(config);
      try {
        const { deps } = createCapturedDeps({ cwd: dir });
        const got = await within2s(() => resolveRegistrySettings({}, { ...deps, env: env() }));
        expect(got.ms).toBeLessThan(2_000);
        expect("error" in got ? got.error : got).toMatchObject({
          code: "permission_denied",
          details: { rule: "config_discovery", file: config },
        });
        expect("error" in got ? got.error.message : "").toMatch(/symlink|not a regular file/);
      } finally {
        release(config);
      }
      await rm(config);
      await writeFile(config, JSON.stringify(good), { mode: 0o600 });
      await chmod(config, 0o600);
      const { deps } = createCapturedDeps({ cwd: dir });
      await expect(resolveRegistrySettings({}, { ...deps, env: env() })).resolves.toEqual({
        url: good.registry_url,
        token: good.token,
        tenant: good.tenant,
      });
    },
  );

  it.each(Object.keys(plant))(
    "refuses a --config that is %s as invalid_argument, quickly, and AMEIDE_CONFIG's does not hang",
    async (what) => {
      const { dir } = await freshProject();
      const named = join(dir, "named.json");
      await plant[what]?.(named);
      try {
        const { deps } = createCapturedDeps({ cwd: dir });
        const flag = await within2s(() =>
          resolveRegistrySettings({ config: named }, { ...deps, env: env() }),
        );
        expect(flag.ms).toBeLessThan(2_000);
        expect("error" in flag ? flag.error : flag).toMatchObject({ code: "invalid_argument" });
        expect("error" in flag ? flag.error.message : "").toContain(`--config ${named} cannot be read`);
        const fromEnv = await within2s(() =>
          resolveRegistrySettings({}, { ...deps, env: env({ AMEIDE_CONFIG: named }) }),
        );
        expect(fromEnv.ms).toBeLessThan(2_000);
        expect("error" in fromEnv ? fromEnv.error : fromEnv).toMatchObject({ code: "invalid_argument" });
      } finally {
        release(named);
      }
    },
  );

  it("still follows a --config that is a symlink to a config file (you named it)", async () => {
    const { dir } = await freshProject();
    const real = join(dir, "real.json");
    await writeFile(real, JSON.stringify(good));
    await symlink(real, join(dir, "named.json"));
    const { deps } = createCapturedDeps({ cwd: dir });
    await expect(
      resolveRegistrySettings({ config: join(dir, "named.json") }, { ...deps, env: env() }),
    ).resolves.toEqual({ url: good.registry_url, token: good.token, tenant: good.tenant });
  });

  it("refuses a --config larger than a config file can be, and a discovered one", async () => {
    const { dir, config } = await freshProject();
    const big = JSON.stringify({ ...good, padding: "x".repeat(300 * 1024) });
    await writeFile(join(dir, "big.json"), big);
    await writeFile(config, big, { mode: 0o600 });
    await chmod(config, 0o600);
    const { deps } = createCapturedDeps({ cwd: dir });
    await expect(
      resolveRegistrySettings({ config: join(dir, "big.json") }, { ...deps, env: env() }),
    ).rejects.toMatchObject({ code: "invalid_argument", message: expect.stringContaining("bytes") });
    await expect(resolveRegistrySettings({}, { ...deps, env: env() })).rejects.toMatchObject({
      code: "permission_denied",
      details: { rule: "config_discovery", file: config },
    });
  });
});
