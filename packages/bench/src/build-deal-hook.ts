import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ExtensionError } from "@ameide-ext/runtime";

/** The AssemblyScript source of the deal-approval hook. */
export const DEAL_HOOK_ENTRY: string = fileURLToPath(
  new URL("../hooks/deal-approval/src/index.ts", import.meta.url),
);

/** The built hook, as the bench needs it. */
export interface DealHookBuild {
  /** The component. */
  component: Uint8Array;
  /** Size of the core module inside, bytes. */
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
 * Builds the deal-approval hook with the PDK's build library in a child
 * process. The compiler (asc and Binaryen) adds about 230 MB to the heap it
 * is loaded in, which makes every later scavenge take milliseconds; built
 * here, the measuring process holds only the runtime, as a host would.
 */
export function buildDealHook(): Promise<DealHookBuild> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...process.execArgv, CHILD],
      { timeout: BUILD_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new ExtensionError(
              "internal",
              `building the deal-approval hook failed: ${stderr || error.message}`,
            ),
          );
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
