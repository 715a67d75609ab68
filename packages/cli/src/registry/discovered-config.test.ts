// Red team: a discovered .ameide-dev/config.json had its runtime_token_file checked by the path text only (in
// the config's own folder), so a runtime-token there that is a symlink to any file of the user (an SSH key)
// passed, and `invoke` read that file and sent it to the runtime as the bearer token.
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONFIG_DISCOVERY_RULE, checkDiscoveredConfig } from "./discovered-config.js";

describe("checkDiscoveredConfig() and runtime_token_file", () => {
  let work: string;
  let folder: string;
  let config: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-discovered-"));
    folder = join(work, ".ameide-dev");
    config = join(folder, "config.json");
    await mkdir(folder);
    await writeFile(config, "{}", { mode: 0o600 });
    await chmod(config, 0o600);
    await writeFile(join(work, "id_ed25519"), "PRIVATE KEY\n", { mode: 0o600 });
    await symlink(join(work, "id_ed25519"), join(folder, "linked-token"));
    await writeFile(join(folder, "runtime-token"), "rt\n", { mode: 0o600 });
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("refuses a runtime_token_file in its folder that is a symlink, by the rule config_discovery", async () => {
    const failed = await checkDiscoveredConfig(config, { runtime_token_file: "linked-token" }).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string; details: Record<string, unknown> },
    );
    expect(failed).toMatchObject({
      code: "permission_denied",
      details: { rule: CONFIG_DISCOVERY_RULE, file: config },
    });
    expect(failed?.message).toContain("runtime_token_file");
    expect(failed?.message).toContain("symlink");
  });

  it("still takes a regular token file in its folder, and one not written yet", async () => {
    await expect(
      checkDiscoveredConfig(config, { runtime_token_file: join(folder, "runtime-token") }),
    ).resolves.toBeUndefined();
    await expect(checkDiscoveredConfig(config, { runtime_token_file: "not-yet" })).resolves.toBeUndefined();
  });
});
