/**
 * Test support: a real Transformation registry (startRegistry: HTTP, its store, its compile worker),
 * and PostgreSQL the way the registry's own suites start it. Both are loaded from the registry's
 * sources by path: the registry stands above the SDK (it depends on it), so the SDK cannot name it as
 * a dependency, even for tests, without a cycle. Internal: not a stable API.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

const REPO = join(import.meta.dirname, "..", "..", "..", "..");
const REGISTRY_SRC = join(REPO, "packages", "registry", "src");
/** The AssemblyScript domain_hook template: the extension the tests bind. Its manifest's id is `order-validation`. */
const TEMPLATE = join(REPO, "templates", "assemblyscript", "domain_hook");

/** The registry's caller. */
interface Caller {
  actor: string;
  tenants: readonly string[];
}

/** What the tests use of the registry's domain. */
interface RegistryDomain {
  createDraft(caller: Caller, input: Record<string, unknown>): Promise<{ revision: { version: string } }>;
  uploadSource(caller: Caller, input: Record<string, unknown>): Promise<unknown>;
  requestCompile(caller: Caller, input: Record<string, unknown>): Promise<unknown>;
  get(
    caller: Caller,
    key: Record<string, unknown>,
  ): Promise<{ revision: { revision: { state: string; compile?: unknown } } }>;
  idle(): Promise<void>;
}

/** A registry the test started. */
export interface TestRegistry {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** The bearer token of `user:ann`, who may act for tenant `acme`. */
  token: string;
  /** Stops it. */
  close(): Promise<void>;
  /**
   * Creates, uploads and compiles the domain_hook template as `order-validation` in tenant `acme`
   * (low risk: the rules promote it to dev) and returns its version.
   */
  promoteTemplateToDev(): Promise<string>;
}

/** A logger that drops everything (the registry logs with pino's methods; the SDK does not depend on pino). */
const SILENT = { info() {}, warn() {}, error() {}, debug() {} };

const ann: Caller = { actor: "user:ann", tenants: ["acme"] };
const TOKEN = "ann-test-token-0123456789";

/** The template's files, as UploadSource takes them. */
async function templateFiles(): Promise<Array<{ path: string; contentBase64: string }>> {
  const read = async (path: string) => ({
    path,
    contentBase64: (await readFile(join(TEMPLATE, path))).toString("base64"),
  });
  const tests = (await readdir(join(TEMPLATE, "tests"))).filter((f) => f.endsWith(".json")).sort();
  return Promise.all(["extension.json", "src/index.ts", ...tests.map((t) => `tests/${t}`)].map(read));
}

/** Starts a registry on a free loopback port, its SQLite database and modules under `dir`. */
export async function startTestRegistry(dir: string): Promise<TestRegistry> {
  const lib = (await import(join(REGISTRY_SRC, "index.ts"))) as {
    checkRegistryConfig(doc: unknown, baseDir: string): unknown;
    startRegistry(options: { config: unknown; logger: unknown }): Promise<{
      url: string;
      registry: RegistryDomain;
      close(graceMs?: number): Promise<boolean>;
    }>;
  };
  const config = lib.checkRegistryConfig(
    {
      database: "registry.db",
      listen: { port: 0 },
      modules: { root: "modules" },
      auth: { tokens: [{ token: TOKEN, identity: ann.actor, tenants: ann.tenants }] },
    },
    dir,
  );
  const running = await lib.startRegistry({ config, logger: SILENT });
  let closed: Promise<boolean> | undefined;
  return {
    url: running.url,
    token: TOKEN,
    close: async () => {
      closed ??= running.close(1_000);
      await closed;
    },
    async promoteTemplateToDev() {
      const { registry } = running;
      const ext = { tenantId: "acme", extensionId: "order-validation" };
      const draft = await registry.createDraft(ann, { ...ext, kind: "domain_hook", riskTier: "low" });
      const key = { ...ext, version: draft.revision.version };
      const manifestJson = await readFile(join(TEMPLATE, "extension.json"), "utf8");
      const files = await templateFiles();
      await registry.uploadSource(ann, { ...key, language: "assemblyscript", files, manifestJson });
      await registry.requestCompile(ann, key);
      await registry.idle();
      const { revision } = (await registry.get(ann, key)).revision;
      if (revision.state !== "promoted_dev")
        throw new Error(
          `the template did not reach dev: ${revision.state} ${JSON.stringify(revision.compile)}`,
        );
      return key.version;
    },
  };
}

/** A throwaway PostgreSQL server (the registry's testing/postgres-server.ts). */
export interface TestPostgres {
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts PostgreSQL as the registry's suites do (initdb in a temp folder, a free loopback port). It
 * throws, saying how to install it, when PostgreSQL is missing: the suite fails, never skips.
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const mod = (await import(join(REGISTRY_SRC, "testing", "postgres-server.ts"))) as {
    startPostgres(): Promise<TestPostgres>;
  };
  return mod.startPostgres();
}
