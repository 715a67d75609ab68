// Security review: the runtime's local token issuer wrote `<dir>/caller-jwks.json` with writeFile, and dev
// then chmod-ed it: both follow a link planted at that name in the stack's folder.

import { lstat, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalTokenIssuer } from "@ameide-ext/runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

describe("the dev stack's caller-jwks.json", () => {
  let work: string;
  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-dev-jwks-"));
  });
  afterEach(() => rm(work, { recursive: true, force: true }));

  it("is written as a new 0600 file renamed over the name, never through a link planted there", async () => {
    const victim = join(work, "victim.bashrc");
    await writeFile(victim, "echo hello\n", { mode: 0o644 });
    await symlink(victim, join(work, "caller-jwks.json"));
    const issuer = await createLocalTokenIssuer({ dir: work, issuer: "ameide-ext-dev" });
    expect(await readFile(victim, "utf8")).toBe("echo hello\n");
    expect((await lstat(victim)).mode & 0o777).toBe(0o644);
    const st = await lstat(issuer.jwksFile);
    expect([st.isFile(), st.mode & 0o777]).toEqual([true, 0o600]);
    expect(JSON.parse(await readFile(issuer.jwksFile, "utf8")).keys).toHaveLength(1);
  });
});
