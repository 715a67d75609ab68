/**
 * Faults under load: the service load of service-load.ts (16 SDK clients,
 * 10% hostile) runs for 30 s against a runtime whose modules live in a real
 * S3-protocol server (s3rver on loopback), while:
 * - at 5 s the catalog is rewritten (a new version of the well-behaved
 *   extension becomes latest);
 * - at 10 s the module store goes away for 3 s, and at 11 s, while it is
 *   away, the catalog is rewritten again to a version the runtime has not
 *   fetched yet;
 * - at 18 s and 22 s a guest worker is killed, as a crash would.
 * Nothing well-behaved may fail except with a retryable `unavailable` (which
 * the SDK retried, within its attempts, before giving up).
 *
 *   npm run fault:service --workspace @ameide-ext/bench
 *
 * Exit codes: 0 no well-behaved invocation failed with anything but
 * `unavailable`; 1 otherwise.
 */

import { rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { buildTestHook } from "@ameide-ext/runtime/testing/service";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { createLoadFixture, runClosedLoop, startServer } from "./service-harness.js";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
const log = (line: string) => process.stderr.write(`fault: ${line}\n`);
const fixture = await createLoadFixture();
const s3dir = join(fixture.dir, "s3");
let s3: S3rver | undefined;
const startS3 = async (port = 0) => {
  s3 = new S3rver({
    port,
    address: "127.0.0.1",
    silent: true,
    directory: s3dir,
    configureBuckets: [{ name: "extensions", configs: [] }],
  });
  return ((await s3.run()) as AddressInfo).port;
};
const s3port = await startS3();
const endpoint = `http://127.0.0.1:${s3port}`;
const client = new S3Client({
  endpoint,
  region: "us-east-1",
  forcePathStyle: true,
  credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
});
const refs: Record<string, string> = {};
for (const v of ["1", "2", "3"]) {
  const hook = await buildTestHook("echo", `fault-${v}`);
  await client.send(
    new PutObjectCommand({ Bucket: "extensions", Key: `acme/good/${v}.wasm`, Body: hook.bytes }),
  );
  refs[v] = `s3://extensions/acme/good/${v}.wasm#sha256=${hook.sha256}`;
}
client.destroy();
const catalogFor = (versions: string[]) =>
  fixture.catalogText(
    Object.fromEntries(versions.map((v) => [v, refs[v] as string])),
    "",
    `store: { s3: { endpoint: "${endpoint}", force_path_style: true, fetch_timeout_ms: 1000 } }`,
  );
await writeFile(fixture.catalogPath, catalogFor(["1"]));
const server = await startServer(fixture.catalogPath, join(fixture.dir, "runtime.log"), {
  AMEIDE_S3_ACCESS_KEY_ID: "S3RVER",
  AMEIDE_S3_SECRET_ACCESS_KEY: "S3RVER",
});
fixture.trust(server.url);
log(`server ${server.url}, store ${endpoint}`);

const events: string[] = [];
const at = (ms: number, what: string, run: () => Promise<void> | void) => ({
  atMs: ms,
  run: async () => {
    events.push(`${(ms / 1000).toFixed(0).padStart(3)} s  ${what}`);
    log(what);
    await run();
  },
});
const r = await runClosedLoop({
  token: fixture.token,
  url: server.url,
  clients: 16,
  minMs: 30_000,
  minInvocations: 0,
  maxMs: 30_000,
  schedule: [
    at(5_000, "catalog rewritten: good v2 added, latest -> 2", () =>
      writeFile(fixture.catalogPath, catalogFor(["1", "2"])),
    ),
    at(10_000, "module store stopped", async () => {
      await s3?.close();
    }),
    at(11_000, "catalog rewritten while the store is away: good v3 added, latest -> 3", () =>
      writeFile(fixture.catalogPath, catalogFor(["1", "2", "3"])),
    ),
    at(13_000, "module store back", async () => {
      await startS3(s3port);
    }),
    at(18_000, "a guest worker killed", async () => {
      await server.killWorker();
    }),
    at(22_000, "a guest worker killed", async () => {
      await server.killWorker();
    }),
  ],
});
await server.stop();
await s3?.close();
await fixture.crm.close();
await rm(fixture.dir, { recursive: true, force: true });

const good = r.outcomes.good;
const failedOther = Object.entries(good).filter(([k]) => k !== "ok" && !k.startsWith("unavailable/"));
const lines = [
  "service faults under load: 16 clients, 10% hostile, 30 s",
  ...events,
  `invocations      ${r.invocations} in ${(r.elapsedMs / 1000).toFixed(1)} s`,
  ...Object.entries(r.outcomes).map(
    ([kind, counts]) =>
      `${kind.padEnd(16)} ${Object.entries(counts)
        .map(([k, c]) => `${k}: ${c}`)
        .join(", ")}`,
  ),
  failedOther.length === 0
    ? "PASS: no well-behaved invocation failed except with a retryable unavailable"
    : `FAIL: well-behaved invocations failed with ${failedOther.map(([k, c]) => `${k} (${c})`).join(", ")}`,
];
process.stdout.write(`${lines.join("\n")}\n`);
process.exit(failedOther.length === 0 ? 0 : 1);
