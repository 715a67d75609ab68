// The floors of the house (docs/architecture in the README): a package imports only packages below it in
// meaning. Read from the sources and the package.json files, so a new wrong-way arrow fails here.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..");
const packagesDir = join(root, "packages");

/** The compilers and build tools a hook's build needs: no package that serves invocations may load them. */
const COMPILERS = [
  "assemblyscript",
  "typescript",
  "esbuild",
  "componentize-qjs",
  "@bytecodealliance/componentize-js",
];

/** Every module specifier a production source file of `pkg` imports (tests and test support excluded). */
function importsOf(pkg: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "testing" && entry.name !== "node_modules") walk(path);
      } else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) {
        const text = readFileSync(path, "utf8");
        const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*["']([^"'./][^"']*)["']/g)].map(
          (m) => m[1],
        );
        for (const s of specifiers)
          found.set(s as string, [...(found.get(s as string) ?? []), relative(root, path)]);
      }
    }
  };
  walk(join(packagesDir, pkg, "src"));
  return found;
}

/** The package a specifier names: `@scope/name` or `name`, without a subpath. */
const packageOf = (specifier: string) =>
  specifier.startsWith("@")
    ? specifier.split("/").slice(0, 2).join("/")
    : (specifier.split("/")[0] as string);

/** The packages `pkg` imports in production code, and those its package.json installs with it. */
function dependenciesOf(pkg: string): { imported: Map<string, string[]>; installed: string[] } {
  const imported = new Map<string, string[]>();
  for (const [specifier, files] of importsOf(pkg)) {
    const name = packageOf(specifier);
    if (name.startsWith("node:")) continue;
    imported.set(name, [...(imported.get(name) ?? []), ...files]);
  }
  const manifest = JSON.parse(readFileSync(join(packagesDir, pkg, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  return { imported, installed: Object.keys(manifest.dependencies ?? {}) };
}

/** Every production source file of `pkg` (tests and test support excluded), as absolute paths. */
function productionFiles(pkg: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "testing" && entry.name !== "node_modules") walk(path);
      } else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) files.push(path);
    }
  };
  walk(join(packagesDir, pkg, "src"));
  return files;
}

/** The module specifiers `file` imports, relative ones included. */
const specifiersIn = (file: string): string[] =>
  [...readFileSync(file, "utf8").matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map(
    (m) => m[1] as string,
  );

/** The bare specifiers `entry` reaches through its relative imports, transitively (type-only imports included). */
function bareImportsReachedFrom(entry: string): Set<string> {
  const bare = new Set<string>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const s of specifiersIn(file)) {
      if (s.startsWith(".")) visit(resolve(dirname(file), s).replace(/\.js$/, ".ts"));
      else bare.add(s);
    }
  };
  visit(entry);
  return bare;
}

/** The runtime's binary reader, which the PDK's test support (src/testing/read-core-abi.ts) reads by a relative path. */
const WASM_READER = join(packagesDir, "runtime", "src", "wasm", "wasm-reader.ts");

const ours = (names: Iterable<string>) => [...names].filter((n) => n.startsWith("@ameide-ext/")).sort();

describe("the floors", () => {
  it("contract imports no other package of ours, and nothing heavy", () => {
    const { imported, installed } = dependenciesOf("contract");
    expect(ours(imported.keys())).toEqual([]);
    expect(installed).toEqual(["@connectrpc/connect"]);
  });

  it("the SDK imports and installs only contract and proto of ours, and no compiler", () => {
    const { imported, installed } = dependenciesOf("sdk");
    expect(ours(imported.keys())).toEqual(["@ameide-ext/contract", "@ameide-ext/proto"]);
    expect(ours(installed)).toEqual(["@ameide-ext/contract", "@ameide-ext/proto"]);
    expect([...imported.keys(), ...installed].filter((n) => COMPILERS.includes(n))).toEqual([]);
  });

  it("the SDK's main entry reaches only contract, proto, protobuf, Connect and the OpenTelemetry API, never an optional integration", () => {
    const reached = [...bareImportsReachedFrom(join(packagesDir, "sdk", "src", "index.ts"))];
    // @opentelemetry/api alone (no SDK, no exporter): the caller's process brings its own, or none (#15).
    const allowed = (s: string) =>
      s.startsWith("node:") ||
      ["@ameide-ext/contract", "@ameide-ext/proto", "@bufbuild/protobuf", "@opentelemetry/api"].includes(
        packageOf(s),
      ) ||
      packageOf(s).startsWith("@connectrpc/");
    expect(reached.filter((s) => !allowed(s))).toEqual([]);
  });

  it("ajv is the agent tools' optional peer: only the SDK's src/agent imports it, and no install pulls it in", () => {
    const manifest = JSON.parse(readFileSync(join(packagesDir, "sdk", "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
      exports?: Record<string, ExportTarget>;
    };
    const importers = dependenciesOf("sdk").imported.get("ajv") ?? [];
    expect(importers.filter((f) => !f.startsWith("packages/sdk/src/agent/"))).toEqual([]);
    expect(Object.keys(manifest.dependencies ?? {})).not.toContain("ajv");
    expect(manifest.peerDependencies?.ajv).toBeDefined();
    expect(manifest.peerDependenciesMeta?.ajv?.optional).toBe(true);
    expect(manifest.exports?.["./agent"]).toEqual({
      source: "./src/agent/index.ts",
      types: "./dist/agent/index.d.ts",
      default: "./dist/agent/index.js",
    });
  });

  it("the runtime installs no compiler and imports neither the PDK nor the CLI", () => {
    const { imported, installed } = dependenciesOf("runtime");
    const wrong = ours(imported.keys()).filter((n) => n === "@ameide-ext/pdk" || n === "@ameide-ext/cli");
    expect(wrong).toEqual([]);
    expect(ours(installed)).not.toContain("@ameide-ext/pdk");
    expect([...imported.keys(), ...installed].filter((n) => COMPILERS.includes(n))).toEqual([]);
  });

  it("nothing imports the CLI: no package's production code or dependencies name @ameide-ext/cli", () => {
    const packages = readdirSync(packagesDir).filter(
      (p) => p !== "cli" && existsSync(join(packagesDir, p, "src")),
    );
    const naming = packages.filter((pkg) => {
      const { imported, installed } = dependenciesOf(pkg);
      return imported.has("@ameide-ext/cli") || installed.includes("@ameide-ext/cli");
    });
    expect(naming).toEqual([]);
  });

  it("the toolkit imports neither the CLI nor the registry, and installs neither", () => {
    const { imported, installed } = dependenciesOf("toolkit");
    const wrong = ["@ameide-ext/cli", "@ameide-ext/registry"];
    expect([...imported.keys(), ...installed].filter((n) => wrong.includes(n))).toEqual([]);
    expect(ours(installed)).toContain("@ameide-ext/runtime");
  });

  it("the runtime neither imports nor installs the toolkit (the toolkit stands on the runtime)", () => {
    const { imported, installed } = dependenciesOf("runtime");
    expect([...imported.keys(), ...installed].filter((n) => n === "@ameide-ext/toolkit")).toEqual([]);
  });

  it("the proto package imports none of ours", () => {
    expect(ours(dependenciesOf("proto").imported.keys())).toEqual([]);
  });

  it("component-tools, the one jco wrapper, stands on the contract alone and installs no compiler", () => {
    const { imported, installed } = dependenciesOf("component-tools");
    expect(ours(imported.keys())).toEqual(["@ameide-ext/contract"]);
    expect([...imported.keys(), ...installed].filter((n) => COMPILERS.includes(n))).toEqual([]);
  });

  it("jco is wrapped once: no package but component-tools imports it", () => {
    const wrong = packages.filter(
      (pkg) =>
        pkg !== "component-tools" &&
        [...dependenciesOf(pkg).imported.keys()].some(
          (n) => n.startsWith("@bytecodealliance/jco") || n === "@bytecodealliance/preview2-shim",
        ),
    );
    expect(wrong).toEqual([]);
  });
  it("no production file reaches into another package by a relative path", () => {
    const crossings: string[] = [];
    for (const pkg of readdirSync(packagesDir)) {
      const home = join(packagesDir, pkg);
      for (const file of productionFiles(pkg)) {
        for (const s of specifiersIn(file).filter((x) => x.startsWith("."))) {
          const target = resolve(dirname(file), s);
          if (!target.startsWith(`${home}/`)) crossings.push(`${relative(root, file)} -> ${s}`);
        }
      }
    }
    expect(crossings).toEqual([]);
  });

  it("the runtime's binary reader imports the contract alone, so the PDK's test support can read with it", () => {
    expect(specifiersIn(WASM_READER)).toEqual(["@ameide-ext/contract"]);
  });
});

type ExportTarget = string | Record<string, string>;

/** A package's package.json: its exports map. */
const manifestOf = (pkg: string) =>
  JSON.parse(readFileSync(join(packagesDir, pkg, "package.json"), "utf8")) as {
    exports?: Record<string, ExportTarget>;
  };

/** The files a package's build compiles: everything under src but what tsconfig.build.json excludes. */
function builtExcludes(pkg: string): string[] {
  const path = join(packagesDir, pkg, "tsconfig.build.json");
  const text = (() => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
  })();
  return text === undefined ? [] : ((JSON.parse(text) as { exclude?: string[] }).exclude ?? []);
}

const packages = readdirSync(packagesDir, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);

describe("test support stays out of dist", () => {
  it("a testing export resolves only under the source condition", () => {
    const wrong: string[] = [];
    for (const pkg of packages) {
      for (const [subpath, target] of Object.entries(manifestOf(pkg).exports ?? {})) {
        const targets = typeof target === "string" ? [target] : Object.values(target);
        if (!targets.some((t) => /(^|\/)testing(\/|\.|$)/.test(t))) continue;
        if (typeof target === "string" || Object.keys(target).join() !== "source")
          wrong.push(`${pkg} ${subpath}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it("no package's build compiles its src/testing", () => {
    const wrong: string[] = [];
    for (const pkg of packages) {
      const src = join(packagesDir, pkg, "src");
      let entries: string[];
      try {
        entries = readdirSync(src);
      } catch {
        continue;
      }
      for (const name of entries.filter((n) => n === "testing" || n === "testing.ts")) {
        if (!builtExcludes(pkg).includes(`src/${name}`)) wrong.push(`${pkg} src/${name}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe("the public face", () => {
  it("a package's index is its end-user API: internals go out under ./internal, not behind a comment", () => {
    const wrong: string[] = [];
    for (const pkg of packages) {
      let text: string;
      try {
        text = readFileSync(join(packagesDir, pkg, "src", "index.ts"), "utf8");
      } catch {
        continue;
      }
      text.split("\n").forEach((line, i) => {
        if (/(?<![/\w])internals?\b/i.test(line))
          wrong.push(`packages/${pkg}/src/index.ts:${i + 1}: ${line.trim()}`);
      });
    }
    expect(wrong).toEqual([]);
  });

  it("an ./internal subpath resolves like the package's main entry", () => {
    const wrong: string[] = [];
    for (const pkg of packages) {
      const internal = manifestOf(pkg).exports?.["./internal"];
      if (internal === undefined) continue;
      if (typeof internal === "string" || Object.keys(internal).join() !== "source,types,default")
        wrong.push(pkg);
    }
    expect(wrong).toEqual([]);
  });
});

/** The libraries an SDK integration may need, each behind its own subpath export as an optional peer. */
const SDK_HEAVY = [
  "bpmn-moddle",
  "feelin",
  "@temporalio/activity",
  "@temporalio/common",
  "ajv",
  "pg",
  "better-sqlite3",
];

/** Every production file `entry` reaches by relative imports, itself included. */
function closureOf(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  for (const s of specifiersIn(entry).filter((x) => x.startsWith("."))) {
    const target = resolve(dirname(entry), s).replace(/\.js$/, ".ts");
    closureOf(existsSync(target) ? target : join(target, "index.ts"), seen);
  }
  return seen;
}

describe("the SDK's optional integrations", () => {
  it("the SDK's main entry reaches none of the integrations' libraries (bpmn-moddle, feelin, Temporal, ajv, SQL drivers)", () => {
    const reached: string[] = [];
    for (const file of closureOf(join(packagesDir, "sdk", "src", "index.ts")))
      for (const s of specifiersIn(file).filter((x) => SDK_HEAVY.includes(packageOf(x))))
        reached.push(`${relative(root, file)} -> ${s}`);
    expect(reached).toEqual([]);
  });

  it("each integration library the SDK imports is an optional peer, never a dependency", () => {
    const manifest = JSON.parse(readFileSync(join(packagesDir, "sdk", "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
    };
    const used = [...dependenciesOf("sdk").imported.keys()].filter((n) => SDK_HEAVY.includes(n)).sort();
    const wrong = used.filter(
      (n) =>
        manifest.dependencies?.[n] !== undefined ||
        manifest.peerDependencies?.[n] === undefined ||
        manifest.peerDependenciesMeta?.[n]?.optional !== true,
    );
    expect(used).toEqual(expect.arrayContaining(["bpmn-moddle", "feelin", "@temporalio/activity"]));
    expect(wrong).toEqual([]);
  });
});
