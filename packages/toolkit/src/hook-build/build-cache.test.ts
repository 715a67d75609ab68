import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeFs } from "../toolkit-deps.js";
import { dependencyDigests, inputsDigest, readFreshBuild, writeBuild } from "./build-cache.js";
import { hookLayout } from "./hook-layout.js";

const fs = createNodeFs();
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "ameide-build-cache-"));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A hook folder with src/index.ts and one npm dependency. */
async function hook(name: string) {
  const layout = hookLayout(path.join(root, name), name);
  await mkdir(layout.srcDir, { recursive: true });
  await writeFile(layout.entry, 'import { band } from "deal-bands";\nexport const run = () => band(1);\n');
  const dependency = path.join(layout.dir, "node_modules", "deal-bands", "index.js");
  await mkdir(path.dirname(dependency), { recursive: true });
  await writeFile(dependency, "exports.band = (s) => s;\n");
  return { layout, dependency };
}

describe("the dist/ build cache", () => {
  it("tells the languages apart: the same sources digest differently in each", async () => {
    const { layout } = await hook("both-langs");
    const as = await inputsDigest(layout, fs, "assemblyscript", true);
    const ts = await inputsDigest(layout, fs, "typescript", true);
    expect(as).not.toBe(ts);
    // -O3 is asc's flag; TypeScript builds the same either way.
    expect(await inputsDigest(layout, fs, "assemblyscript", false)).not.toBe(as);
    expect(await inputsDigest(layout, fs, "typescript", false)).toBe(ts);
  });

  it("records bundled files outside src/ and the PDK, and goes stale when one changes or goes", async () => {
    const { layout, dependency } = await hook("with-dependency");
    const pdk = path.join(root, "pdk");
    const dependencies = await dependencyDigests(
      layout,
      fs,
      [layout.entry, dependency, path.join(pdk, "index.ts")],
      pdk,
    );
    expect(Object.keys(dependencies ?? {})).toEqual(["node_modules/deal-bands/index.js"]);
    expect(await dependencyDigests(layout, fs, [layout.entry], pdk)).toBeUndefined();

    const inputs = await inputsDigest(layout, fs, "typescript", true);
    const component = new Uint8Array([0, 97, 115, 109]);
    const sha256 = createHash("sha256").update(component).digest("hex");
    await writeBuild(layout, fs, component, {
      id: "with-dependency",
      sha256,
      bytes: 4,
      inputs,
      dependencies,
    });
    expect(await readFreshBuild(layout, fs, inputs)).toBeDefined();

    await writeFile(dependency, "exports.band = (s) => -s;\n");
    expect(await readFreshBuild(layout, fs, inputs), "a changed dependency").toBeUndefined();
    await rm(dependency);
    expect(await readFreshBuild(layout, fs, inputs), "a removed dependency").toBeUndefined();
  });
});
