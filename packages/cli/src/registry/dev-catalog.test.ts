import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeDevCatalog } from "./dev-catalog.js";

const CRM = "ameide.crm.v1.AccountService";
const ERP = "ameide.erp.v1.StockService";

describe("writeDevCatalog()", () => {
  let dir: string;
  let catalog: string;
  const read = async () => JSON.parse(await readFile(catalog, "utf8")) as Record<string, unknown>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-dev-catalog-"));
    catalog = join(dir, "catalog-dev.json");
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("writes a new catalog, pointing the answers' services at the answers server", async () => {
    await writeDevCatalog(
      { dir, catalog, modules: join(dir, "modules") },
      { url: "http://127.0.0.1:1", services: [CRM] },
    );
    expect(await read()).toEqual({
      env: "dev",
      extensions: [],
      runtime: { store: { root: join(dir, "modules") } },
      host_services: { [CRM]: { url: "http://127.0.0.1:1" } },
    });
  });

  it("drops the endpoints an earlier start pointed at its answers server, and keeps the others", async () => {
    const paths = { dir, catalog, modules: join(dir, "modules") };
    await writeDevCatalog(paths, { url: "http://127.0.0.1:1", services: [CRM, ERP] });
    const doc = await read();
    doc.host_services = { ...(doc.host_services as object), "acme.Mine": { url: "http://10.0.0.1" } };
    doc.extensions = [{ extension_id: "x" }];
    await writeFile(catalog, JSON.stringify(doc));

    await writeDevCatalog(paths, { url: "http://127.0.0.1:2", services: [CRM] });
    expect((await read()).host_services).toEqual({
      [CRM]: { url: "http://127.0.0.1:2" },
      "acme.Mine": { url: "http://10.0.0.1" },
    });
    await writeDevCatalog(paths, null);
    const after = await read();
    expect(after.host_services).toEqual({ "acme.Mine": { url: "http://10.0.0.1" } });
    expect(after.extensions).toEqual([{ extension_id: "x" }]);
  });
});
