#!/usr/bin/env node
// `npm run size:sdk`: what `npm i @ameide-ext/sdk` installs. Packs the SDK and the workspace packages it
// depends on (from their built dist), installs them with --omit=dev into an empty project in a temp folder,
// and prints the installed size of its node_modules and every package in it, largest first.
// Goal: at most 5 MB. Exit 1 when over it.
// Beside it, what each optional integration adds: the SDK installed again with the optional peers that
// subpath needs (INTEGRATIONS), the way a primitive using it would install them.
import { execFileSync } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const GOAL_BYTES = 5 * 1024 * 1024;
const root = join(import.meta.dirname, "..");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

/** Our packages `name` depends on at run time, itself included, depth first. */
function workspaceClosure(name, seen = new Set()) {
  if (seen.has(name)) return seen;
  seen.add(name);
  const manifest = JSON.parse(
    readFileSync(join(root, "packages", name.split("/")[1], "package.json"), "utf8"),
  );
  for (const dep of Object.keys(manifest.dependencies ?? {}))
    if (dep.startsWith("@ameide-ext/")) workspaceClosure(dep, seen);
  return seen;
}

/** Total bytes of the files under `dir` (apparent size; symlinks counted as links). */
function bytesUnder(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? bytesUnder(path) : lstatSync(path).size;
  }
  return total;
}

/** Each package folder under `node_modules`, scoped ones included, with its size. */
function packagesIn(modules) {
  const found = [];
  for (const entry of readdirSync(modules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const path = join(modules, entry.name);
    const names = entry.name.startsWith("@")
      ? readdirSync(path).map((n) => [`${entry.name}/${n}`, join(path, n)])
      : [[entry.name, path]];
    for (const [name, dir] of names) {
      const { version } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      found.push({ name, version, bytes: bytesUnder(dir) });
    }
  }
  return found.sort((a, b) => b.bytes - a.bytes);
}

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

/** Each SDK subpath that needs a heavier library, and the optional peers a primitive installs to use it. */
const INTEGRATIONS = {
  "@ameide-ext/sdk/bpmn": ["bpmn-moddle", "feelin"],
  "@ameide-ext/sdk/temporal": ["@temporalio/activity", "@temporalio/common", "feelin"],
  "@ameide-ext/sdk/agent": ["ajv"],
  "@ameide-ext/sdk/sql (SQLite)": ["better-sqlite3"],
  "@ameide-ext/sdk/sql (PostgreSQL)": ["pg"],
};

/** Installs `dependencies` (overriding our packages with their tarballs) in a new folder under `work`; returns its node_modules. */
function install(folder, dependencies, overrides) {
  const app = join(work, folder);
  mkdirSync(app);
  const manifest = { name: "size-probe", private: true, dependencies, overrides };
  writeFileSync(join(app, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  process.stderr.write(`size:sdk: npm install --omit=dev in an empty project (${folder}) ...\n`);
  execFileSync(npm, ["install", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund"], {
    cwd: app,
    stdio: ["ignore", "ignore", "inherit"],
  });
  return join(app, "node_modules");
}

/** The SDK's optional peers, with the versions its package.json asks for. */
function optionalPeers() {
  const sdk = JSON.parse(readFileSync(join(root, "packages", "sdk", "package.json"), "utf8"));
  const optional = sdk.peerDependenciesMeta ?? {};
  return Object.fromEntries(
    Object.entries(sdk.peerDependencies ?? {}).filter(([name]) => optional[name]?.optional === true),
  );
}

/** Prints, for each integration whose peers the SDK declares, what installing it with the SDK weighs. */
function printIntegrations(packed) {
  const peers = optionalPeers();
  let n = 0;
  for (const [subpath, needs] of Object.entries(INTEGRATIONS)) {
    const missing = needs.filter((name) => peers[name] === undefined);
    if (missing.length > 0) {
      console.log(`  ${subpath}: not measured, the SDK declares no optional peer ${missing.join(", ")}`);
      continue;
    }
    const deps = { ...packed, ...Object.fromEntries(needs.map((name) => [name, peers[name]])) };
    const total = bytesUnder(install(`with-${++n}`, deps, packed));
    console.log(`  ${mb(total).padStart(9)}  with ${subpath} (+ ${needs.join(", ")})`);
  }
}

const work = mkdtempSync(join(tmpdir(), "ameide-ext-size-sdk-"));
try {
  const tarballs = join(work, "tarballs");
  mkdirSync(tarballs);
  const packed = {};
  for (const name of workspaceClosure("@ameide-ext/sdk")) {
    process.stderr.write(`size:sdk: packing ${name} ...\n`);
    const out = execFileSync(npm, ["pack", "--workspace", name, "--pack-destination", tarballs, "--json"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    packed[name] = `file:${join(tarballs, JSON.parse(out)[0].filename)}`;
  }
  const modules = install("app", packed, packed);
  const total = bytesUnder(modules);
  const list = packagesIn(modules);
  console.log(
    `npm i @ameide-ext/sdk installs ${mb(total)} in ${list.length} packages (goal: at most ${mb(GOAL_BYTES)})`,
  );
  for (const p of list) console.log(`  ${mb(p.bytes).padStart(9)}  ${p.name}@${p.version}`);
  console.log(total <= GOAL_BYTES ? "PASS" : "MISS");
  process.exitCode = total <= GOAL_BYTES ? 0 : 1;
  console.log(
    "with an optional integration (not part of the goal: a primitive installs only the one it uses):",
  );
  printIntegrations(packed);
} finally {
  rmSync(work, { recursive: true, force: true });
}
