import { ExtensionError, HOST_INTERFACE } from "@ameide-ext/contract";

/** The only core imports a hook may have: the host interface of the contract. */
export const ALLOWED_CORE_IMPORTS: readonly string[] = [`${HOST_INTERFACE}#log`, `${HOST_INTERFACE}#call`];

// What AssemblyScript code pulls in each import the contract does not offer.
const IMPORT_HINTS: Readonly<Record<string, string>> = {
  "env#seed": "Math.random() (hooks must be deterministic)",
  "env#Date.now": "Date.now() (hooks get no clock)",
  "env#trace": "trace() (use log.debug instead)",
  "env#abort": "abort (which the build routes to the PDK; something declared its own)",
};

/**
 * Refuses a core module that imports anything but `host.log` and
 * `host.call`, naming the AssemblyScript feature behind each import:
 * `invalid_argument` / `forbidden_import`, with `details.imports`.
 */
export function checkCoreImports(core: Uint8Array): void {
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(new Uint8Array(core))).map(
    (i) => `${i.module}#${i.name}`,
  );
  const forbidden = imports.filter((name) => !ALLOWED_CORE_IMPORTS.includes(name));
  if (forbidden.length === 0) return;
  const described = forbidden.map((name) => {
    const hint =
      IMPORT_HINTS[name] ?? (name.startsWith("env#console.") ? "console.* (use log.* instead)" : undefined);
    return hint === undefined ? name : `${name} from ${hint}`;
  });
  throw new ExtensionError(
    "invalid_argument",
    `the hook imports ${described.join(", ")}; a hook may only import ${ALLOWED_CORE_IMPORTS.join(" and ")}`,
    "forbidden_import",
    { imports: forbidden },
  );
}
