import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createLocalTokenIssuer, sha256Hex } from "@ameide-ext/runtime";
import { buildHook, INVOICE_LINE_HOOK_ENTRY } from "./build-deal-hook.js";

/**
 * Writes the invoice-line module under its tenant's prefix in `dir` and a
 * catalog listing it at low tier (the batch benches' service: bench:batch,
 * bench:sdk-client), the service logging at `logLevel`. Returns the
 * catalog's path.
 */
export async function writeInvoiceCatalog(
  dir: string,
  component: Uint8Array,
  auth: unknown,
  logLevel: "info" | "warn" = "info",
): Promise<string> {
  const modulePath = join(dir, "extensions", "acme", "invoice-line.wasm");
  await mkdir(join(dir, "extensions", "acme"), { recursive: true });
  await writeFile(modulePath, component);
  const catalog = join(dir, "catalog.yaml");
  await writeFile(
    catalog,
    [
      "env: dev",
      `runtime: { log_level: ${logLevel}, auth: ${JSON.stringify(auth)} }`,
      "extensions:",
      "  - tenant_id: acme",
      "    extension_id: invoice-line",
      '    version: "1"',
      "    kind: process_hook",
      `    wasm_blob_ref: "file://${modulePath}#sha256=${sha256Hex(component)}"`,
      "    risk_tier: low",
      "    limits: { cpu_millis: 5, memory_mb: 16, timeout_ms: 50 }",
      "",
    ].join("\n"),
  );
  return catalog;
}

/** What {@link prepareInvoiceService} made: the hook's component, the catalog's path, a caller's token. */
export interface InvoiceService {
  component: Uint8Array;
  catalog: string;
  /** A token of `subject` for tenant acme, from the catalog's local issuer. */
  token: string;
}

/**
 * What the invoice benches start their service with (bench:batch, bench:sdk-client, bench:first-call):
 * the invoice-line hook built, a local token issuer in `dir` with a token for `subject`, and the catalog
 * (see writeInvoiceCatalog).
 */
export async function prepareInvoiceService(
  dir: string,
  subject: string,
  logLevel: "info" | "warn" = "info",
): Promise<InvoiceService> {
  const hook = await buildHook("assemblyscript", INVOICE_LINE_HOOK_ENTRY);
  const issuer = await createLocalTokenIssuer({ dir });
  const token = await issuer.mint({ subject, tenants: ["acme"] });
  const catalog = await writeInvoiceCatalog(dir, hook.component, issuer.auth, logLevel);
  return { component: hook.component, catalog, token };
}
