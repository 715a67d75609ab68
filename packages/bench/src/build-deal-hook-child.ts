/**
 * Run by {@link buildHook} in a child process: `build-deal-hook-child.ts
 * <assemblyscript|typescript> <entry>` builds the hook with the PDK's
 * `buildAssemblyScript` or `buildTypeScript` and prints one JSON document
 * ({@link DealHookBuildMessage}) on stdout. Exit codes: 0 built, 1 failed.
 */
import { buildAssemblyScript, buildTypeScript } from "@ameide-ext/pdk";
import type { DealHookBuildMessage } from "./build-deal-hook.js";

const [language, entry] = process.argv.slice(2);

async function build(): Promise<DealHookBuildMessage> {
  if (entry === undefined)
    throw new Error("usage: build-deal-hook-child.ts <assemblyscript|typescript> <entry>");
  if (language === "assemblyscript") {
    const b = await buildAssemblyScript({ entry });
    return {
      componentBase64: Buffer.from(b.component).toString("base64"),
      coreBytes: b.core.byteLength,
      buildMs: b.durationMs,
    };
  }
  if (language === "typescript") {
    const b = await buildTypeScript({ entry });
    return {
      componentBase64: Buffer.from(b.component).toString("base64"),
      coreBytes: Buffer.byteLength(b.bundle),
      buildMs: b.durationMs,
    };
  }
  throw new Error(`unknown language ${JSON.stringify(language)}`);
}

// Exits once the document is written: a pipe takes a TypeScript hook's megabytes in several writes,
// which process.exit right after write() would cut short.
await build().then(
  (message) => process.stdout.write(JSON.stringify(message), () => process.exit(0)),
  (cause: unknown) => {
    process.stderr.write(`${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}\n`);
    process.exit(1);
  },
);
