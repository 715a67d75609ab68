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
});
