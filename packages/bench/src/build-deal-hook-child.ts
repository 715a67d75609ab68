/**
 * Run by {@link buildDealHook} in a child process: builds the deal-approval
 * hook with `buildAssemblyScript` and prints one JSON document
 * ({@link DealHookBuildMessage}) on stdout. Exit codes: 0 built, 1 failed.
 */
import { buildAssemblyScript } from "@ameide-ext/pdk";
import { DEAL_HOOK_ENTRY, type DealHookBuildMessage } from "./build-deal-hook.js";

const code = await buildAssemblyScript({ entry: DEAL_HOOK_ENTRY }).then(
  (build) => {
    const message: DealHookBuildMessage = {
      componentBase64: Buffer.from(build.component).toString("base64"),
      coreBytes: build.core.byteLength,
      buildMs: build.durationMs,
    };
    process.stdout.write(JSON.stringify(message));
    return 0;
  },
  (cause: unknown) => {
    process.stderr.write(`${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}\n`);
    return 1;
  },
);
process.exit(code);
