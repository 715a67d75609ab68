// Test support: a throwaway PostgreSQL server on loopback, from the Debian
// packages (`apt-get install -y postgresql`). Internal: not a stable API.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A running server. */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`. */
  readonly url: string;
  /** A fresh, empty database on the server: its connection string. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server and removes its data folder. */
  stop(): Promise<void>;
}

/** Where initdb and postgres are: on PATH, or Debian's /usr/lib/postgresql/<major>/bin. */
function findBinDir(): string {
  for (const dir of (process.env.PATH ?? "").split(":"))
    if (dir && existsSync(join(dir, "initdb")) && existsSync(join(dir, "postgres"))) return dir;
  const root = "/usr/lib/postgresql";
  if (existsSync(root)) {
    const majors = readdirSync(root).sort((a, b) => Number(b) - Number(a));
    for (const m of majors) if (existsSync(join(root, m, "bin", "initdb"))) return join(root, m, "bin");
  }
  throw new Error(
    "PostgreSQL is not installed (no initdb/postgres on PATH or in /usr/lib/postgresql/*/bin): the PostgreSQL " +
      "suite of @ameide-ext/registry needs it. Install it with `apt-get install -y postgresql` (Debian/Ubuntu).",
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * PostgreSQL refuses to run as root: as root, run it as the `postgres` user
 * the Debian package creates (spawn's uid/gid, so the child is postgres itself
 * and a signal reaches it).
 */
function serverUser(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  return {
    uid: Number(execFileSync("id", ["-u", "postgres"]).toString().trim()),
    gid: Number(execFileSync("id", ["-g", "postgres"]).toString().trim()),
  };
}

/**
 * Starts PostgreSQL in a temp folder: initdb (trust auth, no password), then
 * `postgres` on a free loopback port with its socket in the same folder.
 * Throws, saying how to install it, when PostgreSQL is missing: the suite
 * must fail, never skip.
 */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = findBinDir();
  const dir = mkdtempSync(join(tmpdir(), "ameide-registry-pg-"));
  const data = join(dir, "data");
  const user = serverUser();
  if (user.uid !== undefined && user.gid !== undefined) chownSync(dir, user.uid, user.gid);
  execFileSync(
    join(bin, "initdb"),
    ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--no-instructions"],
    { stdio: "pipe", ...user, cwd: dir },
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    join(bin, "postgres"),
    [
      "-D",
      data,
      "-p",
      String(port),
      "-h",
      "127.0.0.1",
      "-k",
      dir,
      "-c",
      "fsync=off",
      "-c",
      "synchronous_commit=off",
      "-c",
      "full_page_writes=off",
    ],
    { stdio: ["ignore", "ignore", "pipe"], ...user, cwd: dir },
  );
  // If the test process dies first, the server goes with it.
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill);
  let log = "";
  child.stderr?.on("data", (d: Buffer) => {
    log += d.toString();
  });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const pg = (await import("pg")).default;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited (${child.exitCode}):\n${log}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      break;
    } catch {
      await client.end().catch(() => {});
      if (Date.now() > deadline) throw new Error(`postgres did not start in 30 s:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, "")}"`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGQUIT"); // immediate shutdown: the data folder is thrown away
        await exited;
      }
      process.removeListener("exit", kill);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
