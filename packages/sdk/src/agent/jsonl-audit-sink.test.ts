import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agentContext } from "../execution-context.js";
import type { AuditRecord } from "./audit-record.js";
import { createJsonlAuditSink } from "./jsonl-audit-sink.js";

const record = (n: number): AuditRecord => ({
  timestamp: `2026-12-05T23:00:0${n}.000Z`,
  tool: "echo",
  extensionId: "echo",
  requestedVersion: "latest",
  resolvedVersion: "1",
  moduleSha256: "ab".repeat(32),
  ctx: agentContext({ tenantId: "acme", agentId: "coach", correlationId: `run-${n}` }),
  correlationId: `run-${n}`,
  input: { n, text: "line\nbreak \u2028 and ü" },
  inputBytes: 10,
  outcome: "ok",
  output: { n },
  logs: [],
  fuelUsed: 100 + n,
  durationUs: 7,
  elapsedMs: 0.5,
});

describe("createJsonlAuditSink()", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "ameide-audit-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("appends one JSON line per record, in the order written, that read back as the records", async () => {
    const path = join(dir, "nested", "audit.jsonl");
    const sink = createJsonlAuditSink(path);
    await Promise.all([0, 1, 2, 3, 4].map((n) => sink.write(record(n))));
    await sink.close();
    const lines = (await readFile(path, "utf8")).split("\n");
    expect(lines.pop()).toBe("");
    expect(lines.map((l) => JSON.parse(l))).toEqual([0, 1, 2, 3, 4].map(record));
  });

  it("keeps a record on one line for every line splitter: U+2028, U+2029 and U+0085 in a hostile input are escaped", async () => {
    const path = join(dir, "audit.jsonl");
    const sink = createJsonlAuditSink(path);
    const fake = '{"outcome":"ok","tool":"forged"}';
    const hostile = { ...record(0), input: { a: `x\u2028${fake}\u2029${fake}\u0085${fake}\r\n${fake}` } };
    await sink.write(hostile);
    await sink.close();
    const text = await readFile(path, "utf8");
    // Python's str.splitlines() splits on all of these.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the line breaks a splitter knows
    const lines = text.split(/\r\n|[\n\r\v\f\u001c\u001d\u001e\u0085\u2028\u2029]/);
    expect(lines.pop()).toBe("");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toEqual(hostile);
  });

  it("never rewrites what the file held: it only appends", async () => {
    const path = join(dir, "audit.jsonl");
    await writeFile(path, '{"earlier":true}\n');
    const sink = createJsonlAuditSink(path);
    await sink.write(record(1));
    await sink.close();
    const again = createJsonlAuditSink(path);
    await again.write(record(2));
    await again.close();
    const lines = (await readFile(path, "utf8")).trimEnd().split("\n");
    expect(lines.map((l) => JSON.parse(l))).toEqual([{ earlier: true }, record(1), record(2)]);
  });

  it("creates the file readable by its owner only (records hold inputs and outputs)", async () => {
    const path = join(dir, "private.jsonl");
    const sink = createJsonlAuditSink(path);
    await sink.write(record(1));
    await sink.close();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("rejects a write it cannot make, and refuses an empty path at creation", async () => {
    await writeFile(join(dir, "blocker"), "");
    const blocked = createJsonlAuditSink(join(dir, "blocker", "audit.jsonl"));
    await expect(blocked.write(record(1))).rejects.toMatchObject({ code: expect.stringMatching(/^E/) });
    await blocked.close();
    expect(() => createJsonlAuditSink("")).toThrowError(
      expect.objectContaining({ code: "invalid_argument" }),
    );
  });
});
