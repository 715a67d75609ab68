import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sloRollbackFromEnv } from "./slo-rollback-env.js";

describe("sloRollbackFromEnv()", () => {
  it("is off when neither the registry URL nor a token is set", async () => {
    expect(await sloRollbackFromEnv({})).toBeUndefined();
  });

  it("builds the client from the URL and the token file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ameide-slo-env-"));
    const file = join(dir, "token");
    await writeFile(file, `${"t".repeat(24)}\n`);
    const rollback = await sloRollbackFromEnv({
      AMEIDE_RUNTIME_REGISTRY_URL: "http://127.0.0.1:1",
      AMEIDE_RUNTIME_REGISTRY_TOKEN_FILE: file,
    });
    expect(typeof rollback).toBe("function");
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses half a configuration, an unreadable token file, a bad URL and a short token with invalid_argument", async () => {
    const refused = { code: "invalid_argument" };
    await expect(sloRollbackFromEnv({ AMEIDE_RUNTIME_REGISTRY_URL: "http://r:8090" })).rejects.toMatchObject(
      refused,
    );
    await expect(sloRollbackFromEnv({ AMEIDE_RUNTIME_REGISTRY_TOKEN: "t".repeat(24) })).rejects.toMatchObject(
      refused,
    );
    await expect(
      sloRollbackFromEnv({
        AMEIDE_RUNTIME_REGISTRY_URL: "http://r:8090",
        AMEIDE_RUNTIME_REGISTRY_TOKEN_FILE: "/nope/token",
      }),
    ).rejects.toMatchObject(refused);
    await expect(
      sloRollbackFromEnv({
        AMEIDE_RUNTIME_REGISTRY_URL: "ftp://r",
        AMEIDE_RUNTIME_REGISTRY_TOKEN: "t".repeat(24),
      }),
    ).rejects.toMatchObject(refused);
    await expect(
      sloRollbackFromEnv({
        AMEIDE_RUNTIME_REGISTRY_URL: "http://r:8090",
        AMEIDE_RUNTIME_REGISTRY_TOKEN: "short",
      }),
    ).rejects.toMatchObject(refused);
  });
});
