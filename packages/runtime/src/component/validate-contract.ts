import { componentEmbed, componentNew, componentWit } from "@ameide-ext/component-tools";
import { ExtensionError, HOST_INTERFACE, readContractWit, WORLD_NAME } from "@ameide-ext/contract";
import type { FuncImport, FuncSig } from "../wasm/scan-module.js";

/** The core-level names a guest uses for the canonical ABI. Two naming schemes exist in the wild. */
export interface AbiNames {
  run: string;
  postReturn: string | undefined;
  realloc: string;
  memory: string;
  initialize: string | undefined;
}

const LEGACY: AbiNames = {
  run: "run",
  postReturn: "cabi_post_run",
  realloc: "cabi_realloc",
  memory: "memory",
  initialize: "_initialize",
};
const STANDARD: AbiNames = {
  run: "cm32p2||run",
  postReturn: "cm32p2||run_post",
  realloc: "cm32p2_realloc",
  memory: "cm32p2_memory",
  initialize: "cm32p2_initialize",
};

/** Core import module names for the host interface, in both naming schemes. */
export const HOST_IMPORT_MODULES: ReadonlySet<string> = new Set([
  HOST_INTERFACE,
  "cm32p2|ameide:extension/host@1",
]);

const I32 = "i32";
const sig = (params: number, results: number): FuncSig => ({
  params: Array<string>(params).fill(I32),
  results: Array<string>(results).fill(I32),
});
const HOST_SIGS: Record<string, FuncSig> = { log: sig(4, 0), call: sig(7, 0) };

const sameSig = (a: FuncSig, b: FuncSig) =>
  a.params.length === b.params.length &&
  a.results.length === b.results.length &&
  a.params.every((p, i) => p === b.params[i]) &&
  a.results.every((p, i) => p === b.results[i]);

const fmtSig = (s: FuncSig) => `(${s.params.join(", ")}) -> (${s.results.join(", ")})`;

interface WorldLines {
  imports: string[];
  exports: string[];
}

function worldLines(wit: string): WorldLines {
  const imports: string[] = [];
  const exports: string[] = [];
  for (const raw of wit.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("import ")) imports.push(line);
    else if (line.startsWith("export ")) exports.push(line);
  }
  return { imports, exports };
}

let expected: Promise<WorldLines> | undefined;

/**
 * The world of the contract file, as wit-component prints it: built once per
 * process from `wit/extension.wit` through a dummy component.
 */
export function expectedWorld(): Promise<WorldLines> {
  expected ??= (async () => {
    const core = await componentEmbed({ dummy: true, witSource: readContractWit(), world: WORLD_NAME });
    return worldLines(await componentWit(await componentNew(core)));
  })();
  return expected;
}

/**
 * Validates a component's world against the contract: it may import only the
 * host interface and must export `run` with the contract's signature. Extra
 * exports are allowed and never called.
 */
export async function validateWorld(component: Uint8Array): Promise<string> {
  let wit: string;
  try {
    wit = await componentWit(component);
  } catch (cause) {
    throw new ExtensionError(
      "invalid_argument",
      `the component could not be decoded: ${cause instanceof Error ? cause.message : String(cause)}`,
      "invalid_module",
    );
  }
  const want = await expectedWorld();
  const got = worldLines(wit);
  const allowedImports = new Set(want.imports);
  for (const line of got.imports) {
    if (allowedImports.has(line)) continue;
    const wasi = line.includes("wasi:");
    throw new ExtensionError(
      "invalid_argument",
      `the component imports \`${line.replace(/^import |;$/g, "")}\`; ${wasi ? "WASI (filesystem, clocks, random, sockets, environment) is not available to extensions" : "a guest may import only"} ${wasi ? "" : HOST_INTERFACE}`.trim(),
      "forbidden_import",
      { import: line },
    );
  }
  for (const line of want.exports) {
    if (got.exports.includes(line)) continue;
    const name = /^export ([\w-]+)/.exec(line)?.[1] ?? "run";
    const sameName = got.exports.find((e) => e.startsWith(`export ${name}:`));
    throw sameName
      ? new ExtensionError(
          "invalid_argument",
          `\`${name}\` has the wrong type: got \`${sameName}\`, the contract says \`${line}\``,
          "contract_mismatch",
          { got: sameName, want: line },
        )
      : new ExtensionError(
          "invalid_argument",
          `the component does not export \`${name}\`; the contract requires \`${line}\``,
          "missing_export",
          { want: line },
        );
  }
  return wit;
}

/**
 * Validates the guest's core module at the level the runtime executes it:
 * function imports from the host interface only, with the canonical ABI
 * signatures, and the canonical exports. Returns the ABI names in use.
 */
export function validateCoreAbi(
  imports: FuncImport[],
  exportSigs: Map<string, FuncSig>,
  exports: string[],
): AbiNames {
  for (const imp of imports) {
    const want = HOST_SIGS[imp.field];
    if (!HOST_IMPORT_MODULES.has(imp.module) || !want) {
      const wasi = imp.module.startsWith("wasi");
      throw new ExtensionError(
        "invalid_argument",
        `the guest imports ${imp.module}.${imp.field}; ${wasi ? "WASI is not available to extensions" : `only ${HOST_INTERFACE} log and call can be imported`}`,
        "forbidden_import",
        { module: imp.module, field: imp.field },
      );
    }
    if (!sameSig(imp.sig, want)) {
      throw new ExtensionError(
        "invalid_argument",
        `host.${imp.field} is imported as ${fmtSig(imp.sig)}, the canonical ABI says ${fmtSig(want)}`,
        "contract_mismatch",
      );
    }
  }
  const names = exports.includes(STANDARD.run) ? STANDARD : LEGACY;
  const has = (n: string | undefined) => n !== undefined && exports.includes(n);
  const need = (what: string, name: string, want: FuncSig | undefined) => {
    if (!has(name)) {
      throw new ExtensionError(
        "invalid_argument",
        `the guest's core module does not export ${what} (\`${name}\`)`,
        "missing_export",
      );
    }
    const got = exportSigs.get(name);
    if (want && got && !sameSig(got, want)) {
      throw new ExtensionError(
        "invalid_argument",
        `${what} is exported as ${fmtSig(got)}, the canonical ABI says ${fmtSig(want)}`,
        "contract_mismatch",
      );
    }
  };
  need("run", names.run, sig(2, 1));
  need("the allocator", names.realloc, sig(4, 1));
  need("its memory", names.memory, undefined);
  if (has(names.postReturn))
    need("run's post-return", names.postReturn as string, { params: [I32], results: [] });
  return {
    ...names,
    postReturn: has(names.postReturn) ? names.postReturn : undefined,
    initialize: has(names.initialize) ? names.initialize : undefined,
  };
}
