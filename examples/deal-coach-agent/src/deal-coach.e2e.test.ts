// The deal coach end to end: the opportunity-risk hook built from this example's sources by the toolkit, run
// by a real runtime service (startRuntimeServer, over Connect), the agent script asking its two questions,
// the JSONL audit file read back, a record replayed, and hostile arguments refused before any RPC.
import { cp, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ExtensionKind, ExtensionService, RiskTier } from "@ameide-ext/proto";
import { checkRegistryConfig, startRegistry } from "@ameide-ext/registry";
import {
  createCatalog,
  createLocalTokenIssuer,
  createRuntime,
  type RuntimeServer,
  startRuntimeServer,
} from "@ameide-ext/runtime";
import { captureLogger, writeModule } from "@ameide-ext/runtime/testing/service";
import { createRuntimeClient, type RuntimeClient } from "@ameide-ext/sdk";
import {
  type AuditRecord,
  createJsonlAuditSink,
  createToolset,
  extensionTool,
  replayAuditRecord,
} from "@ameide-ext/sdk/agent";
import { buildHook, createNodeToolkitDeps } from "@ameide-ext/toolkit";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliIo, EXIT, HELP, runCli } from "./cli.js";
import { createDealCoach } from "./deal-coach.js";
import { OPPORTUNITY_RISK_DIR, readToolManifest } from "./opportunity-risk-hook.js";
import { STALLED_RENEWAL } from "./sample-conversation.js";

const README = fileURLToPath(new URL("../README.md", import.meta.url));

/** The fenced block that follows `<!-- marker -->` in the README. */
const readmeBlock = (readme: string, marker: string) =>
  new RegExp(`<!-- ${marker} -->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\`\\n`).exec(readme)?.[1] ?? "";

const readRecords = async (file: string) =>
  (await readFile(file, "utf8"))
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as AuditRecord);

describe("the deal-coach agent against a runtime service running opportunity-risk", () => {
  let dir: string;
  let server: RuntimeServer;
  let client: RuntimeClient;
  let token: string;
  let sha256: string;

  /** Runs the script's CLI as the terminal would, capturing its streams. */
  const cli = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      env: {},
      readText: (f) => readFile(f, "utf8"),
    };
    const code = await runCli(argv, io);
    return { code, out, err };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-deal-coach-"));
    const hookDir = join(dir, "opportunity-risk");
    await cp(OPPORTUNITY_RISK_DIR, hookDir, { recursive: true, filter: (src) => !src.includes("/dist") });
    const built = await buildHook({ dir: hookDir }, createNodeToolkitDeps(hookDir));
    sha256 = built.sha256;
    const bytes = new Uint8Array(await readFile(built.wasm));
    const ref = await writeModule(dir, "opportunity-risk", { bytes, sha256 });
    const issuer = await createLocalTokenIssuer({ dir });
    const runtime = await createRuntime({
      catalog: createCatalog({
        extensions: [
          {
            tenant_id: "acme",
            extension_id: "opportunity-risk",
            version: "1",
            kind: "agent_tool",
            risk_tier: "low",
            wasm_blob_ref: ref,
          },
        ],
        runtime: { pool: { size: 1 }, auth: issuer.auth },
      }),
      logger: captureLogger("silent").logger,
      defaultMetrics: false,
    });
    await runtime.preload();
    server = await startRuntimeServer(runtime, { port: 0 });
    token = await issuer.mint({ subject: "deal-coach-agent", tenants: ["acme"] });
    client = createRuntimeClient({ baseUrl: server.url as string, token: () => token });
  }, 120_000);

  afterAll(async () => {
    client?.close();
    await server?.shutdown(1_000);
    await rm(dir, { recursive: true, force: true });
  });

  const runtimeFlags = () => [
    "--runtime-url",
    server.url as string,
    "--runtime-token",
    token,
    "--tenant",
    "acme",
  ];

  it("answers two scripted questions; the JSONL has one record per tool call, with version and sha256", async () => {
    const auditFile = join(dir, "audit", "script.jsonl");
    const args = [...runtimeFlags(), "--audit-file", auditFile, "--conversation-id", "conv-e2e", "--json"];
    const { code, out, err } = await cli(args);
    expect(err).toEqual([]);
    expect(code).toBe(EXIT.ok);
    const doc = JSON.parse(out.join("\n"));
    expect(doc.turns.map((t: { answer: string }) => t.answer)).toEqual([
      expect.stringMatching(
        /^OPP-101 \(Acme, 3-year renewal\) is at high risk, 94\/100; what weighs most: stalled/,
      ),
      expect.stringMatching(/^Next step for OPP-102 \(Initech, service desk rollout\): competing with/),
    ]);
    const records = await readRecords(auditFile);
    expect(
      records.map((r) => [r.toolCallId, r.outcome, r.requestedVersion, r.resolvedVersion, r.moduleSha256]),
    ).toEqual([
      ["conv-e2e.turn-1.call-1", "ok", "latest", "1", sha256],
      ["conv-e2e.turn-2.call-1", "ok", "latest", "1", sha256],
    ]);
    expect(records[0]).toMatchObject({
      tool: "opportunity-risk",
      extensionId: "opportunity-risk",
      ctx: { tenantId: "acme", userId: "deal-coach", actorType: "AGENT", correlationId: "conv-e2e.turn-1" },
      input: { opportunityId: "OPP-101", stage: "negotiation", hasChampion: false },
      output: { opportunityId: "OPP-101", score: 94, band: "high" },
      logs: [{ level: "info", message: "opportunity OPP-101 scored 94 (high)" }],
    });
    expect(records[1]?.output).toMatchObject({ opportunityId: "OPP-102", score: 35, band: "medium" });
  });

  it("replays a record from the file: same module, same output", async () => {
    const auditFile = join(dir, "audit", "replay.jsonl");
    expect((await cli([...runtimeFlags(), "--audit-file", auditFile])).code).toBe(EXIT.ok);
    const [record] = (await readRecords(auditFile)) as [AuditRecord];
    const report = await replayAuditRecord(client, record);
    expect(report).toMatchObject({ same: true, differences: [], outcome: "ok", moduleSha256: sha256 });
    expect(report.output).toEqual(record.output);
  });

  it("tells each turn on stdout: the question, the tool with the version and module that ran, the answer", async () => {
    const auditFile = join(dir, "audit", "text.jsonl");
    const { code, out, err } = await cli([...runtimeFlags(), "--audit-file", auditFile]);
    expect(code).toBe(EXIT.ok);
    expect(out[0]).toBe("[turn 1] seller: Is OPP-101 at risk of slipping this quarter?");
    expect(out[1]).toMatch(
      new RegExp(
        `^  tool opportunity-risk@1 \\(module sha256 ${sha256.slice(0, 12)}…\\): ok, args \\{"opportunityId":"OPP-101"`,
      ),
    );
    expect(out[2]).toMatch(/^ {2}coach: OPP-101 .* is at high risk/);
    expect(out).toHaveLength(6);
    expect(err).toEqual([`audit: 2 tool call(s) appended to ${auditFile}`]);
  });

  it("refuses schema-invalid arguments without an RPC and still audits them; a closed deal is the tool's refusal", async () => {
    const auditFile = join(dir, "audit", "hostile.jsonl");
    const audit = createJsonlAuditSink(auditFile);
    let rpcs = 0;
    const counted: RuntimeClient = {
      invoke: (o) => {
        rpcs++;
        return client.invoke(o);
      },
      close: () => {},
      invokeMany: () => Promise.reject(new Error("invokeMany is not used by this test")),
      chattyWarnings: 0,
    };
    const tool = extensionTool(counted, await readToolManifest(undefined, "latest"), { audit });
    const coach = createDealCoach({
      tools: createToolset([tool]),
      tenantId: "acme",
      conversationId: "conv-x",
    });
    const hostile = await coach.ask("Is it at risk?", {
      ...STALLED_RENEWAL,
      daysInStage: -1,
      discountPct: 400,
    });
    expect(rpcs).toBe(0);
    expect(hostile.toolResult).toMatchObject({
      isError: true,
      error: { code: "invalid_argument", reason: "invalid_input" },
    });
    expect(hostile.answer).toMatch(/^I could not score OPP-101 .*Fix the record/);
    const closed = await coach.ask("Is it at risk?", { ...STALLED_RENEWAL, stage: "closed_lost" });
    expect(rpcs).toBe(1);
    expect(closed.answer).toMatch(/\(OPPORTUNITY_CLOSED\)\.$/);
    await audit.close();
    const records = await readRecords(auditFile);
    expect(
      records.map((r) => [r.outcome, r.resolvedVersion, r.moduleSha256, r.error?.code, r.error?.reason]),
    ).toEqual([
      ["invalid_arguments", "", "", "invalid_argument", "invalid_input"],
      ["business_error", "1", sha256, "OPPORTUNITY_CLOSED", undefined],
    ]);
    expect(records[0]?.input).toMatchObject({ daysInStage: -1, discountPct: 400 });
  });

  it("exits 2 on bad usage and 1 when the runtime cannot be reached, after auditing the failed call", async () => {
    expect((await cli(["--bogus"])).code).toBe(EXIT.usage);
    expect((await cli(["--runtime-url", "ftp://example.test"])).code).toBe(EXIT.usage);
    expect((await cli(["--tenant", "ACME;drop"])).code).toBe(EXIT.usage);
    const auditFile = join(dir, "audit", "down.jsonl");
    const down = await cli([
      "--runtime-url",
      "http://127.0.0.1:9",
      "--tenant",
      "acme",
      "--audit-file",
      auditFile,
    ]);
    expect(down.code).toBe(EXIT.failed);
    expect(down.err[0]).toMatch(/^deal-coach-agent: unavailable/);
    expect((await readRecords(auditFile)).map((r) => [r.outcome, r.error?.code])).toEqual([
      ["technical_error", "unavailable"],
    ]);
  });

  it("this README's sample output, audit record, options and exit codes are what the program does", async () => {
    const readme = await readFile(README, "utf8");
    const auditFile = join(dir, "audit", "readme.jsonl");
    const { out } = await cli([...runtimeFlags(), "--audit-file", auditFile]);
    const unsha = (text: string) => text.replace(/sha256 [0-9a-f]{12}…/g, "sha256 <sha>…");
    expect(unsha(readmeBlock(readme, "sample-output"))).toBe(unsha(`${out.join("\n")}\n`));
    const [record] = await readRecords(auditFile);
    const documented = JSON.parse(readmeBlock(readme, "audit-record")) as AuditRecord;
    expect(Object.keys(documented)).toEqual(Object.keys(record as AuditRecord));
    expect(documented.input).toEqual(record?.input);
    const options = (text: string) => [...new Set(text.match(/--[a-z-]+(?= |`|\n)/g))].sort();
    const table = readme.slice(readme.indexOf("| option |"), readme.indexOf("Exit codes:"));
    expect(options(table)).toEqual(options(HELP));
    expect(readme).toContain(`Exit codes: ${EXIT.ok} answered, ${EXIT.failed} a technical error`);
    expect(readme).toContain(`${EXIT.usage} bad usage`);
  });

  it("takes the tool's definition from a real registry when one is given, pinned to the version it holds", async () => {
    const registryToken = "r".repeat(32);
    await mkdir(join(dir, "registry"));
    const config = checkRegistryConfig(
      {
        database: "registry.db",
        listen: { port: 0 },
        modules: { root: "registry-modules" },
        auth: { tokens: [{ token: registryToken, identity: "user:ann", tenants: ["acme"] }] },
      },
      join(dir, "registry"),
    );
    const registry = await startRegistry({ config, logger: captureLogger("silent").logger });
    try {
      // A draft is enough: GetExtension answers its definition (id, description, schemas) at version 1.
      const manifest = await readToolManifest();
      const extensions = createClient(
        ExtensionService,
        createConnectTransport({
          baseUrl: registry.url,
          httpVersion: "1.1",
          interceptors: [
            (next) => (req) => {
              req.header.set("authorization", `Bearer ${registryToken}`);
              return next(req);
            },
          ],
        }),
      );
      await extensions.createDraft({
        tenantId: "acme",
        extensionId: "opportunity-risk",
        kind: ExtensionKind.AGENT_TOOL,
        riskTier: RiskTier.LOW,
        metadata: { description: manifest.metadata?.description ?? "" },
        inputSchemaJson: JSON.stringify(manifest.input_schema),
        outputSchemaJson: JSON.stringify(manifest.output_schema),
      });
      const auditFile = join(dir, "audit", "registry.jsonl");
      const registryFlags = ["--registry-url", registry.url, "--registry-token", registryToken];
      const { code, err } = await cli([...runtimeFlags(), ...registryFlags, "--audit-file", auditFile]);
      expect(err).toHaveLength(1);
      expect(code).toBe(EXIT.ok);
      expect(
        (await readRecords(auditFile)).map((r) => [r.requestedVersion, r.resolvedVersion, r.outcome]),
      ).toEqual([
        ["1", "1", "ok"],
        ["1", "1", "ok"],
      ]);
      const refused = await cli([
        ...runtimeFlags(),
        "--registry-url",
        registry.url,
        "--registry-token",
        "wrong",
      ]);
      expect(refused.code).toBe(EXIT.failed);
      expect(refused.err[0]).toMatch(/^deal-coach-agent: unauthenticated/);
    } finally {
      await registry.close(1_000);
    }
  });
});
