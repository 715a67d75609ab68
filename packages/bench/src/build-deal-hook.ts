import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ExtensionError } from "@ameide-ext/runtime";

/** The languages a hook of the bench is written in. */
export type HookLanguage = "assemblyscript" | "typescript";

/** The sources of the deal-approval hook, by language. */
export const DEAL_HOOK_ENTRIES: Readonly<Record<HookLanguage, string>> = Object.freeze({
  assemblyscript: fileURLToPath(new URL("../hooks/deal-approval/src/index.ts", import.meta.url)),
  typescript: fileURLToPath(new URL("../hooks/deal-approval-ts/src/index.ts", import.meta.url)),
});

/** The deal-approval rule run in a loop until fuel runs out, by language: the cost model's calibration uses them. */
export const DEAL_LOOP_HOOK_ENTRIES: Readonly<Record<HookLanguage, string>> = Object.freeze({
  assemblyscript: fileURLToPath(new URL("../hooks/deal-approval-loop/src/index.ts", import.meta.url)),
  typescript: fileURLToPath(new URL("../hooks/deal-approval-loop-ts/src/index.ts", import.meta.url)),
});

/** The AssemblyScript source of the deal-approval hook. */
export const DEAL_HOOK_ENTRY: string = DEAL_HOOK_ENTRIES.assemblyscript;

/** A second TypeScript hook (it echoes its input), loaded after the deal hook for the cached-load figure. */
export const ECHO_TS_HOOK_ENTRY: string = fileURLToPath(
  new URL("../hooks/echo-ts/src/index.ts", import.meta.url),
);

/** The invoice-line pricing hook (AssemblyScript): bench:service prices a 500-line invoice with it, batched and not. */
export const INVOICE_LINE_HOOK_ENTRY: string = fileURLToPath(
  new URL("../hooks/invoice-line/src/index.ts", import.meta.url),
);

/** A built hook, as the bench needs it. */
export interface DealHookBuild {
  /** The component. */
  component: Uint8Array;
  /** AssemblyScript: size of the core module inside, bytes. TypeScript: size of the JavaScript bundle QuickJS runs, bytes. */
  coreBytes: number;
  /** Wall-clock time of the build inside the child, ms. */
  buildMs: number;
}

/** What the child prints on stdout: one JSON document. */
export interface DealHookBuildMessage {
  componentBase64: string;
  coreBytes: number;
  buildMs: number;
}

const CHILD = fileURLToPath(new URL("./build-deal-hook-child.ts", import.meta.url));
const BUILD_TIMEOUT_MS = 60_000;

/**
 * Builds the deal-approval hook (AssemblyScript by default) with the PDK's
 * build library in a child process; see {@link buildHook}.
 */
export function buildDealHook(language: HookLanguage = "assemblyscript"): Promise<DealHookBuild> {
  return buildHook(language, DEAL_HOOK_ENTRIES[language]);
}

/**
 * Builds the hook at `entry` with the PDK's build library
 * (`buildAssemblyScript` or `buildTypeScript`) in a child process. The
 * compilers (asc and Binaryen; or tsc, esbuild and componentize-qjs) add
 * hundreds of MB to the heap they are loaded in, which makes every later
 * scavenge take milliseconds; built here, the measuring process holds only
 * the runtime, as a host would.
 */
export function buildHook(language: HookLanguage, entry: string): Promise<DealHookBuild> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...process.execArgv, CHILD, language, entry],
      { timeout: BUILD_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new ExtensionError("internal", `building ${entry} failed: ${stderr || error.message}`));
          return;
        }
        const message = JSON.parse(stdout) as DealHookBuildMessage;
        resolve({
          component: new Uint8Array(Buffer.from(message.componentBase64, "base64")),
          coreBytes: message.coreBytes,
          buildMs: message.buildMs,
        });
      },
    );
  });
}

/** Builds the looping deal-rule hooks of the cost model's calibration, AS and TS, in parallel child processes. */
export async function buildDealLoopHooks(): Promise<Array<{ name: string; component: Uint8Array }>> {
  const [as, ts] = await Promise.all([
    buildHook("assemblyscript", DEAL_LOOP_HOOK_ENTRIES.assemblyscript),
    buildHook("typescript", DEAL_LOOP_HOOK_ENTRIES.typescript),
  ]);
  return [
    { name: "deal-rule-loop (AS hook)", component: as.component },
    { name: "deal-rule-loop (TS hook)", component: ts.component },
  ];
}
