import { mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Outcome } from "@ameide-ext/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRuntime, type Runtime } from "../service/create-runtime.js";
import { buildTestHook, captureLogger, invokeRequest, writeModule } from "../testing/service-fixtures.js";
import { parseCatalog } from "./parse-catalog.js";

const until = async (check: () => boolean | Promise<boolean>, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe("catalog hot reload", () => {
  let dir: string;
  let path: string;
  let runtime: Runtime;
  let lines: Array<Record<string, unknown>>;
  let refs: Record<string, string>;
  const catalogText = (versions: string[], extra = "") =>
    `env: dev\nruntime: { preload: false, pool: { size: 1 } }\nextensions:\n${versions
      .map(
        (v) =>
          `  - { tenant_id: acme, extension_id: echo, version: "${v}", kind: process_hook, risk_tier: low, wasm_blob_ref: "${refs[v]}", limits: { timeout_ms: 2000 } }\n`,
      )
      .join("")}${extra}`;
  const versionRun = async () => {
    const res = await runtime.invokeExtension(invokeRequest({ extensionId: "echo" }));
    return res.resolvedVersion;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-reload-"));
    refs = {};
    for (const v of ["1", "2", "3"])
      refs[v] = await writeModule(join(dir, "modules"), `echo-${v}`, await buildTestHook("echo", v));
    path = join(dir, "catalog.yaml");
    await writeFile(path, catalogText(["1"]));
    const captured = captureLogger();
    lines = captured.lines;
    runtime = await createRuntime({
      catalog: parseCatalog(await readFile(path, "utf8"), { source: path }),
      catalogPath: path,
      reloadDebounceMs: 50,
      logger: captured.logger,
      defaultMetrics: false,
    });
  });
  afterAll(async () => {
    await runtime?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("puts a changed file in force, without failing the invocations in flight", async () => {
    expect(await versionRun()).toBe("1");
    const inflight = Array.from({ length: 40 }, () =>
      runtime.invokeExtension(invokeRequest({ extensionId: "echo", input: { n: 1 } })),
    );
    await writeFile(path, catalogText(["1", "2"]));
    const results = await Promise.all(inflight);
    expect(results.every((r) => r.outcome === Outcome.OK)).toBe(true);
    await until(async () => (await versionRun()) === "2");
    expect(lines).toContainEqual(expect.objectContaining({ event: "catalog_loaded", extensions: 2 }));
  });

  it("sees a ConfigMap-style swap: a new file renamed over the old one", async () => {
    const tmp = join(dir, "..catalog.tmp");
    await writeFile(tmp, catalogText(["1", "2", "3"], 'latest:\n  acme/echo: "2"\n'));
    await rename(tmp, path);
    await until(() => runtime.catalog.entries.length === 3);
    expect(await versionRun()).toBe("2");
  });

  it("refuses an invalid file with a clear log line and keeps the previous catalog", async () => {
    const before = runtime.catalog.hash;
    await writeFile(path, catalogText(["1", "2", "3"], 'latest:\n  acme/echo: "9"\n'));
    await until(() => lines.some((l) => l.event === "catalog_invalid"));
    const refusal = lines.find((l) => l.event === "catalog_invalid");
    expect(refusal).toMatchObject({ level: 50, error_code: "invalid_argument" });
    expect(JSON.stringify(refusal?.problems)).toContain("/latest/acme/echo");
    expect(runtime.catalog.hash).toBe(before);
    expect(await versionRun()).toBe("2");
    await writeFile(path, "extensions: [ {");
    await until(() => lines.filter((l) => l.event === "catalog_invalid").length === 2);
    expect(runtime.catalog.hash).toBe(before);
    expect(await runtime.metrics.render()).toMatch(/ameide_ext_catalog_loads_total\{result="invalid"\} 2/);
  });

  it("refuses a reload whose entry points at another tenant's module, logs why, and keeps serving the old catalog", async () => {
    const before = runtime.catalog.hash;
    const seen = lines.filter((l) => l.event === "catalog_invalid").length;
    const hijack = `  - { tenant_id: globex, extension_id: echo, version: "1", kind: process_hook, risk_tier: low, wasm_blob_ref: "${refs["1"]}" }\n`;
    await writeFile(path, `${catalogText(["1", "2", "3"])}${hijack}`);
    await until(() => lines.filter((l) => l.event === "catalog_invalid").length === seen + 1);
    expect(lines.filter((l) => l.event === "catalog_invalid").at(-1)).toMatchObject({
      error_code: "invalid_argument",
      error_reason: "module_ref_outside_tenant",
    });
    expect(runtime.catalog.hash).toBe(before);
    expect(await versionRun()).toBe("2");
  });
});
