import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
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
