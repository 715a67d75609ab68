// The check (#15): a recording made by the runtime service, a real process started here, replayed by the
// CLI, a process too, in the same test, with identical output and fuel; then against another version.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type InvokeExtensionResponse, Outcome, WasmExtensionRuntime } from "@ameide-ext/proto";
import { CrmService } from "@ameide-ext/proto/testing";
import {
  buildTestHook,
  type CrmServiceHandle,
  createLocalTokenIssuer,
  invokeRequest,
  type LocalTokenIssuer,
  type RuntimeProcess,
  spawnRuntime,
  startCrmService,
  writeModule,
} from "@ameide-ext/runtime/testing/service";
import { type Client, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { createRemoteJWKSet } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCliDocument, spawnCli } from "../testing/cli-process.js";

const CRM = CrmService.typeName;

describe("ameide-ext replay, against a runtime process's recordings", () => {
  let work: string;
  let rt: RuntimeProcess;
  let crm: CrmServiceHandle;
  let issuer: LocalTokenIssuer;
  let client: Client<typeof WasmExtensionRuntime>;
  const tokens: Record<string, string> = {};
  const env = { HOME: "/nonexistent", AMEIDE_CONFIG: "", AMEIDE_RUNTIME_URL: "", AMEIDE_RUNTIME_TOKEN: "" };
  const cli = (args: string[], tenant = "acme") =>
    spawnCli(
      [
        ...args,
        "--runtime",
        rt.url as string,
        "--runtime-token",
        tokens[tenant] as string,
        "--tenant",
        tenant,
      ],
      {
        cwd: work,
        env,
      },
    );

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ameide-replay-e2e-"));
    issuer = await createLocalTokenIssuer({ dir: work });
    const v1 = await writeModule(work, "echo-1", await buildTestHook("echo", "1"));
    const v2 = await writeModule(work, "echo-2", await buildTestHook("echo", "2"));
    const caller = await writeModule(work, "caller", await buildTestHook("caller"));
    let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
    crm = await startCrmService((header, token) => {
      jwks ??= createRemoteJWKSet(new URL(`${rt.url}/.well-known/jwks.json`));
      return jwks(header, token);
    });
    const catalog = join(work, "catalog.json");
    const entry = (id: string, version: string, ref: string, extra: object = {}) => ({
      tenant_id: "acme",
      extension_id: id,
      version,
      kind: "process_hook",
      risk_tier: "low",
      wasm_blob_ref: ref,
      limits: { timeout_ms: 5_000 },
      recording: { sample: 1 },
      ...extra,
    });
    await writeFile(
      catalog,
      JSON.stringify({
        env: "prod",
        runtime: { pool: { size: 1 }, auth: issuer.auth, store: { root: work } },
        host_services: { [CRM]: { url: crm.url } },
        latest: { "acme/echo": "1" },
        extensions: [
          entry("echo", "1", v1),
          entry("echo", "2", v2),
          entry("caller", "1", caller, {
            kind: "domain_hook",
            risk_tier: "high",
            host_calls: [{ service: CRM, method: "GetCustomer", read_only: true }],
          }),
        ],
      }),
    );
    rt = await spawnRuntime(catalog, ["--port", "0"]);
    tokens.acme = await issuer.mint({ subject: "acme-svc", tenants: ["acme"] });
    tokens.globex = await issuer.mint({ subject: "globex-svc", tenants: ["globex"] });
    client = createClient(
      WasmExtensionRuntime,
      createConnectTransport({
        baseUrl: rt.url as string,
        httpVersion: "1.1",
        interceptors: [
          (next) => (req) => {
            req.header.set("authorization", `Bearer ${tokens.acme}`);
            return next(req);
          },
        ],
      }),
    );
  }, 180_000);

  afterAll(async () => {
    await rt?.stop("SIGKILL");
    await crm?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** Waits until the runtime lists `n` recordings of `extension` for acme. */
  const recorded = async (extension: string, n: number) => {
    for (let i = 0; i < 100; i++) {
      const res = await fetch(`${rt.url}/v1/recordings?tenant=acme&extension=${extension}`, {
        headers: { authorization: `Bearer ${tokens.acme}` },
      });
      const keys = ((await res.json()) as { recordings: string[] }).recordings;
      if (keys.length >= n) return keys;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`fewer than ${n} recordings of ${extension}`);
  };

  it("replays what the runtime recorded, with identical output and fuel, bit for bit (host calls answered from the recording)", async () => {
    const inputs = [{ amount: 72000 }, { mode: "spin", n: 2000 }, { mode: "fail" }];
    const answers: InvokeExtensionResponse[] = [];
    for (const input of inputs)
      answers.push(await client.invokeExtension(invokeRequest({ extensionId: "echo", input })));
    const call = await client.invokeExtension(
      invokeRequest({
        extensionId: "caller",
        input: { calls: [{ service: CRM, method: "GetCustomer", request: { customerId: "c-1" } }] },
      }),
    );
    expect(call.outcome, `${call.errorCode} ${call.errorMsg}`).toBe(Outcome.OK);
    expect(crm.calls).toHaveLength(1);
    await recorded("echo", 3);
    await recorded("caller", 1);

    const run = await cli(["replay", "--from", "runtime", "--extension", "echo", "--since", "1h", "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const doc = parseCliDocument(run.stdout, "replay") as {
      mode: string;
      identical: number;
      mismatches: number;
      results: Array<{ status: string; replayed: { output_json: string | null; fuel_used: number } }>;
    };
    expect(doc).toMatchObject({ ok: true, mode: "same", total: 3, identical: 3, mismatches: 0 });
    // The same output text and fuel as the runtime answered, in order.
    doc.results.forEach((r, i) => {
      const a = answers[i];
      expect(r.status).toBe("identical");
      expect(r.replayed.fuel_used).toBe(Number(a?.stats?.fuelUsed));
      if (a?.outcome === Outcome.OK)
        expect(r.replayed.output_json).toBe(new TextDecoder().decode(a.outputJson));
    });

    const host = await cli(["replay", "--from", "runtime", "--extension", "caller", "--json"]);
    expect(host.code, host.stderr).toBe(0);
    expect(parseCliDocument(host.stdout, "replay")).toMatchObject({ identical: 1, mismatches: 0 });
    expect(crm.calls).toHaveLength(1); // the replay never called the service
    const fuel = (
      parseCliDocument(host.stdout, "replay") as { results: Array<{ replayed: { fuel_used: number } }> }
    ).results[0]?.replayed.fuel_used;
    expect(fuel).toBe(Number(call.stats?.fuelUsed));
  }, 120_000);

  it("against another version: a table of what changed, and the --json summary", async () => {
    await recorded("echo", 3);
    const json = await cli([
      "replay",
      "--from",
      "runtime",
      "--extension",
      "echo",
      "--against",
      "2",
      "--json",
    ]);
    expect(json.code, json.stderr).toBe(0);
    const doc = parseCliDocument(json.stdout, "replay");
    expect(doc).toMatchObject({ mode: "against", against: "version 2", changed: 1, new_errors: 0 });
    expect(doc.summary).toMatch(/^version 2 changes 1 of the last \d+ recorded decisions$/);
    const table = await cli(["replay", "--from", "runtime", "--extension", "echo", "--against", "2"]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/recorded at\s+extension\s+status/);
    expect(table.stdout).toMatch(/echo@1\s+changed\s+output/);
    expect(table.stdout).toContain("version 2 changes 1 of the last");
  }, 120_000);

  it("replays a recording file with the module given as a file", async () => {
    const [key] = await recorded("echo", 1);
    const res = await fetch(`${rt.url}/v1/recording?key=${encodeURIComponent(key as string)}`, {
      headers: { authorization: `Bearer ${tokens.acme}` },
    });
    await writeFile(join(work, "one.json"), await res.text());
    const run = await spawnCli(["replay", "one.json", "--module", "extensions/acme/echo-1.wasm", "--json"], {
      cwd: work,
      env,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(parseCliDocument(run.stdout, "replay")).toMatchObject({ total: 1, identical: 1 });
  }, 60_000);

  it("never reads another tenant's recordings: a globex token is refused acme's (permission_denied, exit 3)", async () => {
    const run = await spawnCli(
      [
        "replay",
        "--from",
        "runtime",
        "--extension",
        "echo",
        "--runtime",
        rt.url as string,
        "--runtime-token",
        tokens.globex as string,
        "--tenant",
        "acme",
        "--json",
      ],
      { cwd: work, env },
    );
    expect(JSON.parse(run.stdout)).toMatchObject({
      ok: false,
      error: { code: "permission_denied", reason: "tenant_not_allowed" },
    });
    expect(run.code).not.toBe(0);
  }, 60_000);

  it("reports a recording whose module answers otherwise as a mismatch, exit 1", async () => {
    const [key] = await recorded("echo", 1);
    const res = await fetch(`${rt.url}/v1/recording?key=${encodeURIComponent(key as string)}`, {
      headers: { authorization: `Bearer ${tokens.acme}` },
    });
    const doc = (await res.json()) as { stats: { fuel_used: number } };
    doc.stats.fuel_used += 7;
    await writeFile(join(work, "tampered.json"), JSON.stringify(doc));
    const run = await spawnCli(
      ["replay", "tampered.json", "--module", "extensions/acme/echo-1.wasm", "--json"],
      {
        cwd: work,
        env,
      },
    );
    expect(run.code).toBe(1);
    expect(parseCliDocument(run.stdout, "replay")).toMatchObject({ ok: false, mismatches: 1 });
  }, 60_000);
});
