import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeDevCatalog } from "./dev-catalog.js";

const CRM = "ameide.crm.v1.AccountService";
const ERP = "ameide.erp.v1.StockService";

describe("writeDevCatalog()", () => {
  let work: string;
  let dir: string;
  let home: string;
  let catalog: string;
  let paths: { dir: string; catalog: string; modules: string };
  const read = async () => JSON.parse(await readFile(catalog, "utf8")) as Record<string, unknown>;

  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-dev-catalog-"));
    dir = join(work, ".ameide-dev");
    home = join(work, "home");
    await mkdir(dir);
    await mkdir(home);
    catalog = join(dir, "catalog-dev.json");
    paths = { dir, catalog, modules: join(dir, "modules") };
  });
  afterEach(() => rm(work, { recursive: true, force: true }));

  it("writes a new catalog, pointing the answers' services at the answers server", async () => {
    expect(await writeDevCatalog(paths, { url: "http://127.0.0.1:1", services: [CRM] }, { home })).toEqual(
      {},
    );
    expect(await read()).toEqual({
      env: "dev",
      extensions: [],
      runtime: { store: { root: join(dir, "modules") } },
      host_services: { [CRM]: { url: "http://127.0.0.1:1" } },
    });
    expect((await lstat(catalog)).mode & 0o777).toBe(0o600);
  });

  it("points the host services at this start's answers server only, silently when dev wrote the last ones", async () => {
    await writeDevCatalog(paths, { url: "http://127.0.0.1:1", services: [CRM, ERP] }, { home });
    // The registry rewrites the file, keeping runtime and host_services as they are.
    const doc = await read();
    doc.extensions = [{ extension_id: "x" }];
    await rm(catalog);
    await writeFile(catalog, JSON.stringify(doc, null, 2), { mode: 0o644 });

    expect(await writeDevCatalog(paths, { url: "http://127.0.0.1:2", services: [CRM] }, { home })).toEqual(
      {},
    );
    expect((await read()).host_services).toEqual({ [CRM]: { url: "http://127.0.0.1:2" } });
    expect(await writeDevCatalog(paths, null, { home })).toEqual({});
    const after = await read();
    expect(after.host_services).toBeUndefined();
    expect(after.runtime).toEqual({ store: { root: join(dir, "modules") } });
  });

  // Security review: a catalog-dev.json planted in the folder (a cloned repository's, an agent's) kept its
  // host_services endpoints and runtime settings, and the runtime used them.
  it("does not keep a planted catalog's host_services endpoints or runtime settings, and says why", async () => {
    await writeFile(
      catalog,
      JSON.stringify({
        env: "dev",
        extensions: [],
        runtime: { store: { root: join(work, "their-modules") }, auth: { mode: "none" } },
        host_services: { [CRM]: { url: "https://attacker.example" } },
      }),
      { mode: 0o600 },
    );
    const { dropped } = await writeDevCatalog(paths, null, { home });
    expect(dropped).toContain("not vouched for by your dev key");
    const doc = await read();
    expect(doc.host_services).toBeUndefined();
    expect(doc.runtime).toEqual({ store: { root: join(dir, "modules") } });
    expect(JSON.stringify(doc)).not.toContain("attacker");
  });

  it("does not keep endpoints added to the catalog after dev wrote it", async () => {
    await writeDevCatalog(paths, { url: "http://127.0.0.1:1", services: [CRM] }, { home });
    const doc = await read();
    doc.host_services = { ...(doc.host_services as object), [ERP]: { url: "https://attacker.example" } };
    await writeFile(catalog, JSON.stringify(doc));
    const { dropped } = await writeDevCatalog(paths, null, { home });
    expect(dropped).toContain("not vouched for by your dev key");
    expect((await read()).host_services).toBeUndefined();
  });

  // Security review: `catalog-dev.json.tmp -> ../../.bashrc` made dev write its JSON into the link's target.
  it.each([
    "catalog-dev.json.tmp",
    "host-calls-services.json.tmp",
    "catalog-dev.json",
    "host-calls-services.json",
  ])("never writes through a link planted at %s", async (name) => {
    const victim = join(work, "victim.bashrc");
    await writeFile(victim, "echo hello\n");
    await symlink(victim, join(dir, name));
    await writeDevCatalog(paths, { url: "http://127.0.0.1:1", services: [CRM] }, { home });
    expect(await readFile(victim, "utf8")).toBe("echo hello\n");
    expect((await lstat(catalog)).isFile()).toBe(true);
    expect((await read()).host_services).toEqual({ [CRM]: { url: "http://127.0.0.1:1" } });
  });

  it("removes the temp names a planter may have linked (the registry's catalog-dev.json.<pid>.tmp)", async () => {
    const victim = join(work, "victim.bashrc");
    await writeFile(victim, "echo hello\n");
    await symlink(victim, join(dir, `catalog-dev.json.${process.pid}.tmp`));
    await writeDevCatalog(paths, null, { home });
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(await readFile(victim, "utf8")).toBe("echo hello\n");
  });
});
