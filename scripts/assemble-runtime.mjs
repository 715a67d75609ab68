#!/usr/bin/env node
// Assembles the folder a container image runs a service from: the service's workspace packages as
// `npm pack` makes them (their package.json `files`: bin and dist) and their production dependencies,
// installed by `npm ci --omit=dev` from a lockfile cut out of the repository's own package-lock.json, so
// the image runs exactly the third-party versions the tests ran. The Dockerfiles run this script and
// copy its output; scripts/assemble-runtime.test.ts starts the runtime from the same output.
//
//   node scripts/assemble-runtime.mjs <out dir> [--package runtime|registry] [--offline] [--no-build]
//
// --package   the service: @ameide-ext/<name> (default runtime)
// --offline   install from the npm cache only (tests; no network)
// --no-build  use the dist/ folders as they are (default: `turbo run build` the service and its packages)
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const SCOPE = "@ameide-ext/";
const log = (msg) => process.stderr.write(`[assemble] ${msg}\n`);

/** The workspace packages `name` needs at run time, itself first: name → folder relative to the root. */
export function workspaceClosure(name, lock) {
  const folders = new Map();
  const visit = (pkg) => {
    if (folders.has(pkg)) return;
    const link = lock.packages[`node_modules/${pkg}`];
    if (!link?.link) throw new Error(`${pkg} is not a workspace package of this repository`);
    folders.set(pkg, link.resolved);
    const deps = lock.packages[link.resolved].dependencies ?? {};
    for (const dep of Object.keys(deps)) if (dep.startsWith(SCOPE)) visit(dep);
  };
  visit(name);
  return folders;
}

/** Where Node would find `dep` from the lockfile path `from` (hoisted layout), or undefined. */
function resolveDep(lock, from, dep) {
  let base = from;
  for (;;) {
    const candidate = `${base === "" ? "" : `${base}/`}node_modules/${dep}`;
    if (lock.packages[candidate]) return candidate;
    if (base === "") return undefined;
    const cut = base.lastIndexOf("/node_modules/");
    base = cut === -1 ? "" : base.slice(0, cut);
  }
}

/**
 * The lockfile of the assembled folder: its root, the workspace packages as the tarballs in `packs`, and
 * every third-party package they reach, with the version and integrity the repository's lockfile pins,
 * at the same place in the tree (a workspace folder `packages/x` becomes `node_modules/@ameide-ext/x`).
 */
export function cutLockfile(lock, closure, tarballs, rootManifest) {
  const folderToName = new Map([...closure].map(([name, folder]) => [folder, name]));
  const rename = (path) => {
    const [first, second, ...rest] = path.split("/");
    const ws = folderToName.get(`${first}/${second}`);
    return ws ? [`node_modules/${ws}`, ...rest].join("/") : path;
  };
  const out = { "": rootManifest };
  const queue = [...closure.values()];
  const seen = new Set(queue);
  while (queue.length > 0) {
    const path = queue.shift();
    const entry = lock.packages[path];
    const edges = [
      ...Object.keys(entry.dependencies ?? {}).map((d) => [d, false]),
      ...Object.keys(entry.optionalDependencies ?? {}).map((d) => [d, true]),
      ...Object.keys(entry.peerDependencies ?? {}).map((d) => [
        d,
        entry.peerDependenciesMeta?.[d]?.optional === true,
      ]),
    ];
    for (const [dep, optional] of edges) {
      const found = resolveDep(lock, path, dep);
      if (found === undefined) {
        if (optional) continue;
        throw new Error(`${path} needs ${dep}, which the lockfile does not hold`);
      }
      const target = lock.packages[found].link ? lock.packages[found].resolved : found;
      if (!seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
    const name = folderToName.get(path);
    if (name !== undefined) {
      const tgz = tarballs.get(name);
      const { dev, devOptional, peer, ...kept } = entry;
      void dev;
      void devOptional;
      void peer;
      out[`node_modules/${name}`] = {
        ...kept,
        resolved: `file:packs/${tgz.file}`,
        integrity: tgz.integrity,
      };
    } else {
      const { dev, devOptional, peer, ...kept } = entry;
      void dev;
      void peer;
      out[rename(path)] = devOptional ? { ...kept, optional: true } : kept;
    }
  }
  return { name: rootManifest.name, lockfileVersion: 3, requires: true, packages: out };
}

const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });

/** Packs, installs and writes the folder; returns what it put there. */
export function assemble({ out, service = "runtime", offline = false, build = true }) {
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));
  const main = `${SCOPE}${service}`;
  const closure = workspaceClosure(main, lock);
  if (build) {
    log(`building ${main} and the packages it needs (turbo run build)`);
    run("npx", ["--no", "turbo", "run", "build", `--filter=${main}...`, "--output-logs=errors-only"], root);
  }
  for (const [name, folder] of closure)
    if (!existsSync(join(root, folder, "dist")))
      throw new Error(`${name} has no dist/ to pack: run \`npm run build\` (or leave out --no-build)`);
  rmSync(out, { recursive: true, force: true });
  const packs = join(out, "packs");
  mkdirSync(packs, { recursive: true });
  const tarballs = new Map();
  for (const name of closure.keys()) {
    const [packed] = JSON.parse(
      run("npm", ["pack", "--json", "--workspace", name, "--pack-destination", packs], root),
    );
    const bytes = readFileSync(join(packs, packed.filename));
    tarballs.set(name, {
      file: packed.filename,
      integrity: `sha512-${createHash("sha512").update(bytes).digest("base64")}`,
    });
  }
  const manifest = {
    name: `ameide-ext-${service}-image`,
    private: true,
    description: `what the ${service} image runs: made by scripts/assemble-runtime.mjs`,
    dependencies: { [main]: `file:packs/${tarballs.get(main).file}` },
  };
  // Every workspace package is a direct dependency, so it lands at the top of node_modules, where the
  // lockfile (and Node's resolution from the service's folder) expects it.
  for (const [name, tgz] of tarballs) manifest.dependencies[name] = `file:packs/${tgz.file}`;
  writeFileSync(join(out, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  const cut = cutLockfile(lock, closure, tarballs, manifest);
  writeFileSync(join(out, "package-lock.json"), `${JSON.stringify(cut, null, 2)}\n`);
  log(`installing ${Object.keys(cut.packages).length - 1} packages (npm ci --omit=dev)`);
  run(
    "npm",
    [
      "ci",
      "--omit=dev",
      "--no-audit",
      "--no-fund",
      "--no-update-notifier",
      ...(offline ? ["--offline"] : []),
    ],
    out,
  );
  rmSync(packs, { recursive: true, force: true });
  return { out, packages: [...closure.keys()], installed: Object.keys(cut.packages).length - 1 };
}

/** Every package folder under `dir`'s node_modules, nested ones too: names like `@scope/name`. */
export function installedPackages(dir) {
  const names = new Set();
  const walk = (modules) => {
    if (!existsSync(modules)) return;
    for (const entry of readdirSync(modules, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
      if (entry.name.startsWith("@")) {
        for (const sub of readdirSync(join(modules, entry.name), { withFileTypes: true })) {
          if (!sub.isDirectory()) continue;
          names.add(`${entry.name}/${sub.name}`);
          walk(join(modules, entry.name, sub.name, "node_modules"));
        }
      } else {
        names.add(entry.name);
        walk(join(modules, entry.name, "node_modules"));
      }
    }
  };
  walk(join(dir, "node_modules"));
  return [...names].sort();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      package: { type: "string", default: "runtime" },
      offline: { type: "boolean", default: false },
      "no-build": { type: "boolean", default: false },
    },
  });
  if (positionals.length !== 1) {
    process.stderr.write(
      "usage: node scripts/assemble-runtime.mjs <out dir> [--package runtime|registry] [--offline] [--no-build]\n",
    );
    process.exit(2);
  }
  const result = assemble({
    out: resolve(positionals[0]),
    service: values.package,
    offline: values.offline,
    build: !values["no-build"],
  });
  log(`${result.out}: ${result.packages.join(", ")} and ${result.installed - result.packages.length} more`);
}
