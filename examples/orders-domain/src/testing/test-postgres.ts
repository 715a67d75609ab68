/**
 * Test support: a throwaway PostgreSQL server, started the way the registry's own PostgreSQL suites
 * start it (initdb in a temp folder, a free loopback port, from Debian's packages). The registry keeps
 * that helper in its test support, which its package does not export, so it is loaded by file path:
 * one helper for the whole repository rather than a copy here. It throws, saying how to install
 * PostgreSQL, when it is missing: the suite fails, never skips.
 */
import { join } from "node:path";

const POSTGRES_SERVER = join(
  import.meta.dirname,
  "..",
  "..",
  "..",
  "..",
  "packages",
  "registry",
  "src",
  "testing",
  "postgres-server.ts",
);

/** A running throwaway server. */
export interface TestPostgres {
  /** A fresh, empty database on the server: its connection string. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server and removes its data folder. */
  stop(): Promise<void>;
}

/** Starts PostgreSQL on a free loopback port. */
export async function startTestPostgres(): Promise<TestPostgres> {
  const mod = (await import(POSTGRES_SERVER)) as { startPostgres(): Promise<TestPostgres> };
  return mod.startPostgres();
}
