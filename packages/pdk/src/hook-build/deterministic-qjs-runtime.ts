// Why this file exists: componentize-qjs initialises QuickJS under Wizer with the host's WASI, so the
// snapshot it ships keeps what the host answered then: Rust's HashMap keys (wasi:random/insecure-seed)
// and QuickJS's clock readings (its time origin, its Math.random state). Two builds of the same bundle
// then differ in ~134 bytes. It takes a runtime of ours (`runtimeBytes`): the built-in sync runtime,
// read out of its native binding, with those three imports answered by constants while it initialises.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { lstat, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { privateScratchDir } from "./private-scratch.js";

type Binaryen = typeof import("binaryen").default;
type BinaryenModule = InstanceType<Binaryen["Module"]>;

/** Fixed answers while initialising: any constants do; these are the golden ratio's and murmur3's. */
const SEED = [0x7f4a7c159e3779b9n, 0x2545f49185ebca6bn] as const;

/**
 * What QuickJS's initialisation reads from the host, and the constant each
 * answers until `init` returns (`ret` is the result area of a lowered call).
 */
const SNAPSHOT_INPUTS: ReadonlyArray<{
  module: string;
  base: string;
  answer: (m: BinaryenModule, b: Binaryen, ret: () => number) => number;
}> = [
  {
    // Rust's HashMap keys: a tuple<u64, u64> written to the result area.
    module: "wasi:random/insecure-seed@0.2.9",
    base: "insecure-seed",
    answer: (m, _b, ret) =>
      m.block(null, [
        m.i64.store(0, 8, ret(), m.i64.const(SEED[0])),
        m.i64.store(8, 8, ret(), m.i64.const(SEED[1])),
      ]),
  },
  // QuickJS's time origin and Math.random state: a u64 of nanoseconds.
  { module: "wasi:clocks/monotonic-clock@0.2.0", base: "now", answer: (m) => m.i64.const(0n) },
  {
    // A datetime { seconds: u64, nanoseconds: u32 } written to the result area: the epoch.
    module: "wasi:clocks/wall-clock@0.2.0",
    base: "now",
    answer: (m, _b, ret) =>
      m.block(null, [m.i64.store(0, 8, ret(), m.i64.const(0n)), m.i32.store(8, 4, ret(), m.i32.const(0))]),
  },
];

/** Bump when the patch changes: the cached runtime of an older patch is not used. */
const PATCH_VERSION = "1";
const WASM_MAGIC = Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
/** The imports that tell componentize-qjs's runtimes apart: its module loader, and the async ABI's. */
const LOADER_IMPORT = "local:init/module-loader";
const ASYNC_IMPORT = "[context-get-0]";

let patched: Promise<Uint8Array | undefined> | undefined;

/**
 * componentize-qjs's built-in sync runtime (the one `sync: true` selects),
 * patched so that its initialisation reads constants instead of the host's
 * random seed and clocks: the snapshot, hence the component, is then the
 * same for the same bundle. Once `init` has returned (before the snapshot)
 * the imports go to the host again, which in a hook traps (WASI is stubbed),
 * as with the built-in runtime. Made once per process and kept in a private
 * scratch folder per binding, under a name recording its sha256, checked
 * before each use (a file that fails it is made again); undefined when the
 * binding holds no runtime of the expected shape (another componentize-qjs
 * version): the caller then
 * uses the built-in one, and builds are not reproducible.
 */
export function deterministicQjsRuntime(): Promise<Uint8Array | undefined> {
  patched ??= loadOrPatch().catch(() => undefined);
  return patched;
}

async function loadOrPatch(): Promise<Uint8Array | undefined> {
  const binding = nativeBinding();
  if (binding === undefined) return undefined;
  const { size, mtimeMs } = statSync(binding);
  const key = createHash("sha256").update(`${PATCH_VERSION}\n${binding}\n${size}\n${mtimeMs}`).digest("hex");
  const dir = await privateScratchDir("ameide-ext-qjs-runtime");
  const prefix = `${key.slice(0, 32)}-`;
  const hit = await verifiedCacheHit(dir, prefix);
  if (hit !== undefined) return hit;
  const runtime = findSyncRuntime(readFileSync(binding));
  if (runtime === undefined) return undefined;
  const bytes = await patchSnapshotInputs(runtime);
  const cached = path.join(dir, `${prefix}${sha256(bytes)}.wasm`);
  const tmp = `${cached}.${process.pid}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, cached);
  return bytes;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * The cached runtime named `<prefix><sha256>.wasm` in `dir` whose bytes hash to the sha256 its name records,
 * a regular file of this user; a file that fails the check (truncated, corrupted, replaced) is removed and
 * the runtime made again.
 */
async function verifiedCacheHit(dir: string, prefix: string): Promise<Uint8Array | undefined> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.startsWith(prefix) && n.endsWith(".wasm"))) {
    const file = path.join(dir, name);
    const found = await lstat(file).catch(() => undefined);
    const ours = found?.isFile() === true && found.uid === (process.getuid?.() ?? found.uid);
    const bytes = ours ? await readFile(file).catch(() => undefined) : undefined;
    if (bytes !== undefined && `${prefix}${sha256(bytes)}.wasm` === name) return new Uint8Array(bytes);
    await rm(file, { force: true }).catch(() => undefined);
  }
  return undefined;
}

/** The `.node` file of componentize-qjs's native binding for this platform, as its loader finds it. */
function nativeBinding(): string | undefined {
  const require = createRequire(import.meta.url);
  const main = require.resolve("componentize-qjs");
  const local = readdirSync(path.dirname(main)).find((f) => f.endsWith(".node"));
  if (local !== undefined) return path.join(path.dirname(main), local);
  const scope = path.join(path.dirname(require.resolve("componentize-qjs/package.json")), "..", "@andreiltd");
  const fromMain = createRequire(main);
  for (const name of readdirSync(scope).filter((n) =>
    n.startsWith(`componentize-qjs-binding-${process.platform}-${process.arch}`),
  )) {
    try {
      const dir = path.dirname(fromMain.resolve(`@andreiltd/${name}/package.json`));
      const file = readdirSync(dir).find((f) => f.endsWith(".node"));
      if (file !== undefined) return path.join(dir, file);
    } catch {
      // Not installed for this platform: try the next.
    }
  }
  return undefined;
}

/**
 * The runtimes embedded in the binding are core modules (dylibs) importing
 * the module loader; the sync ones do not import the async ABI's
 * intrinsics; of those, the default is the larger (the other is opt-size).
 */
function findSyncRuntime(binding: Buffer): Uint8Array | undefined {
  const candidates: Uint8Array[] = [];
  for (let at = binding.indexOf(WASM_MAGIC); at >= 0; at = binding.indexOf(WASM_MAGIC, at + 8)) {
    const module = moduleAt(binding, at);
    const text = Buffer.from(module.buffer, module.byteOffset, module.byteLength);
    if (text.includes(LOADER_IMPORT) && !text.includes(ASYNC_IMPORT)) candidates.push(module);
  }
  return candidates.sort((a, b) => b.byteLength - a.byteLength)[0];
}

/** The module starting at `at`: its sections, up to the end, a byte that is no section, or the next module. */
function moduleAt(bytes: Buffer, at: number): Uint8Array {
  let p = at + WASM_MAGIC.length;
  while (p < bytes.length && !bytes.subarray(p, p + 8).equals(WASM_MAGIC)) {
    const id = bytes[p] as number;
    if (id > 13) break;
    let size = 0;
    let shift = 0;
    let byte: number;
    p++;
    do {
      byte = bytes[p++] as number;
      size += (byte & 0x7f) * 2 ** shift;
      shift += 7;
    } while (byte & 0x80 && p < bytes.length);
    if (p + size > bytes.length) break;
    p += size;
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset + at, p - at);
}

async function patchSnapshotInputs(runtime: Uint8Array): Promise<Uint8Array> {
  const { default: binaryen } = await import("binaryen");
  const m = binaryen.readBinary(runtime);
  try {
    m.setFeatures(binaryen.Features.All);
    const FLAG = "ameide$initialising";
    m.addGlobal(FLAG, binaryen.i32, true, m.i32.const(1));
    const ret = () => m.local.get(0, binaryen.i32);
    for (const { module, base, answer } of SNAPSHOT_INPUTS) {
      const name = importedFunction(binaryen, m, module, base);
      const info = binaryen.getFunctionInfo(m.getFunction(name));
      m.removeFunction(name);
      const host = `${name}$host`;
      m.addFunctionImport(host, module, base, info.params, info.results);
      const args = binaryen.expandType(info.params).map((t, i) => m.local.get(i, t));
      m.addFunction(
        name,
        info.params,
        info.results,
        [],
        m.if(m.global.get(FLAG, binaryen.i32), answer(m, binaryen, ret), m.call(host, args, info.results)),
      );
    }
    // `init` runs the bundle's top level under Wizer; once it returns the host answers again.
    const init = binaryen.getFunctionInfo(m.getFunction(binaryen.getExportInfo(m.getExport("init")).value));
    const params = binaryen.expandType(init.params);
    const call = m.call(
      init.name,
      params.map((t, i) => m.local.get(i, t)),
      init.results,
    );
    const off = m.global.set(FLAG, m.i32.const(0));
    const body =
      init.results === binaryen.none
        ? m.block(null, [call, off])
        : m.block(
            null,
            [m.local.set(params.length, call), off, m.local.get(params.length, init.results)],
            init.results,
          );
    m.addFunction(
      "ameide$init",
      init.params,
      init.results,
      init.results === binaryen.none ? [] : [init.results],
      body,
    );
    m.removeExport("init");
    m.addFunctionExport("ameide$init", "init");
    return m.emitBinary();
  } finally {
    m.dispose();
  }
}

function importedFunction(binaryen: Binaryen, m: BinaryenModule, module: string, base: string): string {
  for (let i = 0; i < m.getNumFunctions(); i++) {
    const info = binaryen.getFunctionInfo(m.getFunctionByIndex(i));
    if (info.module === module && info.base === base) return info.name;
  }
  throw new Error(`the runtime imports no ${module}#${base}`);
}
