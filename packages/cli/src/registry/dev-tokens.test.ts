// Security review: `dev` took an existing .ameide-dev/tokens.json as its own, so a file planted there (a
// cloned repository's, an agent's in its workspace) gave its author the person's and the reviewer's tokens.
import { chmod, lstat, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadOrMakeDevTokens } from "./dev-tokens.js";
import { makeOwnerOnlyFolder, writeOwnerOnlyFile } from "./owner-only-files.js";

const PLANTED = {
  "user:root": "AGENT-KNOWS-THIS-HUMAN-TOKEN-000",
  "user:reviewer": "AGENT-KNOWS-THE-REVIEWER-TOKEN-0",
  "agent:dev": "AGENT-KNOWS-ITS-OWN-TOKEN-000000",
};

describe("the dev stack's tokens", () => {
  let work: string;
  let home: string;
  let n = 0;
  const fresh = async () => {
    const dir = join(work, `stack-${n++}`);
    await makeOwnerOnlyFolder(dir);
    return dir;
  };
  const known = (tokens: Record<string, string>) => Object.values(tokens).some((t) => t.startsWith("AGENT-"));
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-dev-tokens-"));
    home = join(work, "home");
    await mkdir(home);
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("makes them on first start (mode 0600) and keeps them on the next", async () => {
    const dir = await fresh();
    const first = await loadOrMakeDevTokens(dir, "ann", { home });
    expect(Object.keys(first.tokens)).toEqual(["user:ann", "user:reviewer", "agent:dev"]);
    expect(first.replaced).toBeUndefined();
    expect((await stat(join(dir, "tokens.json"))).mode & 0o777).toBe(0o600);
    expect(await loadOrMakeDevTokens(dir, "ann", { home })).toEqual({ tokens: first.tokens });
  });

  it("replaces a tokens.json that a cloned repository brought (mode 0644), never using its tokens", async () => {
    const dir = await fresh();
    await writeFile(join(dir, "tokens.json"), JSON.stringify(PLANTED), { mode: 0o644 });
    await chmod(join(dir, "tokens.json"), 0o644);
    const { tokens, replaced } = await loadOrMakeDevTokens(dir, "root", { home });
    expect(replaced).toContain("mode is 644");
    expect(known(tokens)).toBe(false);
    expect(JSON.parse(await readFile(join(dir, "tokens.json"), "utf8"))).toEqual(tokens);
  });

  it("replaces a link planted at tokens.json without reading or writing through it", async () => {
    const dir = await fresh();
    const theirs = join(work, "theirs.json");
    await writeFile(theirs, JSON.stringify(PLANTED), { mode: 0o600 });
    await symlink(theirs, join(dir, "tokens.json"));
    const { tokens, replaced } = await loadOrMakeDevTokens(dir, "root", { home });
    expect(replaced).toBe("it is a symbolic link");
    expect(known(tokens)).toBe(false);
    expect(JSON.parse(await readFile(theirs, "utf8"))).toEqual(PLANTED);
    expect((await lstat(join(dir, "tokens.json"))).isFile()).toBe(true);
  });

  it.each([
    ["not JSON", "{ nope"],
    ["tokens of another shape", JSON.stringify({ "user:root": "hunter2", "agent:dev": "x" })],
    ["no agent's token", JSON.stringify({ "user:root": PLANTED["user:root"] })],
    ["an array", "[]"],
    [
      "too many identities",
      JSON.stringify(
        Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`user:u${i}`, "x".repeat(32)])),
      ),
    ],
  ])("replaces a tokens.json holding %s, even at mode 0600", async (_what, text) => {
    const dir = await fresh();
    await writeFile(join(dir, "tokens.json"), text, { mode: 0o600 });
    const { tokens, replaced } = await loadOrMakeDevTokens(dir, "root", { home });
    expect(replaced).toBe("it does not hold tokens as dev writes them");
    expect(known(tokens)).toBe(false);
  });

  // Mode 0600 and the user's own is no proof dev wrote it: git checks a file out 0666 & ~umask, so with umask
  // 077 a cloned repository's tokens.json is exactly that; an agent in the workspace writes one so too.
  it("does not use a planted 0600 tokens.json of dev's shape (a clone under umask 077, an agent's)", async () => {
    const dir = await fresh();
    await writeFile(join(dir, "tokens.json"), `${JSON.stringify(PLANTED, null, 2)}\n`, { mode: 0o600 });
    await chmod(join(dir, "tokens.json"), 0o600);
    const { tokens, replaced } = await loadOrMakeDevTokens(dir, "root", { home });
    expect(known(tokens)).toBe(false);
    expect(replaced).toContain("not vouched for by your dev key");
    expect(JSON.parse(await readFile(join(dir, "tokens.json"), "utf8"))).toEqual(tokens);
  });

  it("does not use a tokens.json copied with its seal from another stack folder", async () => {
    const a = await fresh();
    const b = await fresh();
    const first = await loadOrMakeDevTokens(a, "root", { home });
    await writeFile(join(b, "tokens.json"), await readFile(join(a, "tokens.json")), { mode: 0o600 });
    await writeFile(join(b, "tokens.json.mac"), await readFile(join(a, "tokens.json.mac")), { mode: 0o600 });
    const second = await loadOrMakeDevTokens(b, "root", { home });
    expect(second.replaced).toContain("not vouched for by your dev key");
    expect(second.tokens).not.toEqual(first.tokens);
  });

  it("does not use tokens sealed with another key (another user's, or a key the planter made)", async () => {
    const dir = await fresh();
    const theirHome = join(work, `their-home-${n++}`);
    await mkdir(theirHome);
    const theirs = await loadOrMakeDevTokens(dir, "root", { home: theirHome });
    const mine = await loadOrMakeDevTokens(dir, "root", { home });
    expect(mine.replaced).toContain("not vouched for by your dev key");
    expect(mine.tokens).not.toEqual(theirs.tokens);
  });

  it("keeps the key outside the workspace: ~/.ameide-ext/dev-key, mode 0600 in a 0700 folder", async () => {
    const dir = await fresh();
    const keyHome = join(work, `key-home-${n++}`);
    await mkdir(keyHome);
    await loadOrMakeDevTokens(dir, "ann", { home: keyHome });
    expect((await stat(join(keyHome, ".ameide-ext"))).mode & 0o777).toBe(0o700);
    const key = await lstat(join(keyHome, ".ameide-ext", "dev-key"));
    expect([key.isFile(), key.mode & 0o777]).toEqual([true, 0o600]);
  });

  it("refuses a stack folder that is a link (failed_precondition), and writes nothing through it", async () => {
    const target = join(work, "their-folder");
    await mkdir(target);
    const dir = join(work, "linked-stack");
    await symlink(target, dir);
    await expect(makeOwnerOnlyFolder(dir)).rejects.toMatchObject({ code: "failed_precondition" });
  });

  it("writes an owner-only file by renaming a new one over the path, not through a link there", async () => {
    const dir = await fresh();
    const theirs = join(work, "victim.txt");
    await writeFile(theirs, "keep me\n");
    await symlink(theirs, join(dir, "config.json"));
    await writeOwnerOnlyFile(join(dir, "config.json"), '{"token":"secret"}\n');
    expect(await readFile(theirs, "utf8")).toBe("keep me\n");
    const st = await lstat(join(dir, "config.json"));
    expect([st.isFile(), st.mode & 0o777]).toEqual([true, 0o600]);
  });
});
