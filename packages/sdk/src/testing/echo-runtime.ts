/**
 * Test support: a real runtime service (startRuntimeServer, on a port and a
 * Unix socket) serving the runtime's all-purpose test guest (buildTestHook
 * "echo") for tenant acme under the ids a suite asks for, its callers proven
 * by tokens of a local issuer, as the SDK's end-to-end suites need it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type CatalogFileEntry,
  createCatalog,
  createLocalTokenIssuer,
  createRuntime,
  type LocalTokenIssuer,
  type Runtime,
  type RuntimeServer,
  startRuntimeServer,
} from "@ameide-ext/runtime";
import { buildTestHook, captureLogger, writeModule } from "@ameide-ext/runtime/testing/service";

/** What {@link startEchoRuntime} serves: each id with its own limits, all of one kind, low tier. */
export interface EchoRuntimeOptions {
  /** The temporary folder's name prefix. */
  prefix: string;
  /** Extension id → its limits (the catalog's). */
  extensions: Record<string, CatalogFileEntry["limits"]>;
  kind: CatalogFileEntry["kind"];
  /** runtime.batch.max_inputs, when the suite tests the batch cap. */
  batchMaxInputs?: number;
}

/** A started runtime service and what a suite reaches it with. */
export interface EchoRuntime {
  dir: string;
  runtime: Runtime;
  server: RuntimeServer;
  /** Its HTTP base URL. */
  url: string;
  /** Its Unix socket's path. */
  socket: string;
  issuer: LocalTokenIssuer;
  /** The echo module's sha256, as the runtime reports a resolved version's. */
  sha256: string;
  /** Shuts the server down and removes the folder. */
  close(): Promise<void>;
}

/** Starts the service: tenant acme's ids, version "1", one pool worker, no preload, callers authenticated. */
export async function startEchoRuntime(options: EchoRuntimeOptions): Promise<EchoRuntime> {
  const dir = await mkdtemp(join(tmpdir(), options.prefix));
  const issuer = await createLocalTokenIssuer({ dir });
  const hook = await buildTestHook("echo", "1");
  const ref = await writeModule(dir, "echo", hook);
  const runtime = await createRuntime({
    catalog: createCatalog({
      extensions: Object.entries(options.extensions).map(([id, limits]) => ({
        tenant_id: "acme",
        extension_id: id,
        version: "1",
        kind: options.kind,
        risk_tier: "low",
        wasm_blob_ref: ref,
        ...(limits ? { limits } : {}),
      })),
      runtime: {
        preload: false,
        pool: { size: 1 },
        auth: issuer.auth,
        ...(options.batchMaxInputs === undefined ? {} : { batch: { max_inputs: options.batchMaxInputs } }),
      },
    }),
    logger: captureLogger("silent").logger,
    defaultMetrics: false,
  });
  const socket = join(dir, "rt.sock");
  const server = await startRuntimeServer(runtime, { port: 0, socket });
  return {
    dir,
    runtime,
    server,
    url: server.url as string,
    socket,
    issuer,
    sha256: hook.sha256,
    async close() {
      await server.shutdown(1_000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
