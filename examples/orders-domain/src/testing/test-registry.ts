/**
 * Test support: a real Transformation registry on loopback, through the SDK's test support
 * (packages/sdk/src/testing/registry-server.ts: startRegistry from the registry's sources, SQLite, its
 * compile worker), loaded by file path as neither package exports its test support. Its token acts
 * for tenant `acme`; `promoteTemplateToDev()` compiles the domain_hook template as `order-validation`.
 */
import { join } from "node:path";

const REGISTRY_SERVER = join(
  import.meta.dirname,
  "..",
  "..",
  "..",
  "..",
  "packages",
  "sdk",
  "src",
  "testing",
  "registry-server.ts",
);

/** A registry the test started. */
export interface TestRegistry {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** A bearer token acting for tenant `acme`. */
  token: string;
  /** Compiles and promotes the domain_hook template as acme's `order-validation` to dev; its version. */
  promoteTemplateToDev(): Promise<string>;
  close(): Promise<void>;
}

/** Starts a registry with its database and modules under `dir`. */
export async function startTestRegistry(dir: string): Promise<TestRegistry> {
  const mod = (await import(REGISTRY_SERVER)) as { startTestRegistry(dir: string): Promise<TestRegistry> };
  return mod.startTestRegistry(dir);
}
