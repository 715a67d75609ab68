/**
 * Hook sources and temp folders for the tests. Test-only: not part of the
 * package's API.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { buildAssemblyScript } from "../hook-build/build-assemblyscript.js";

/** A hook written to a fresh temp folder, laid out as `<dir>/src/index.ts`. */
export interface HookFolder {
  /** The temp folder. */
  dir: string;
  /** Absolute path of `src/index.ts`. */
  entry: string;
  /** Deletes the folder. */
  remove(): void;
}

/** Writes `files` (paths relative to the hook folder) to a fresh folder under `os.tmpdir()`. */
export function writeHookFolder(files: Readonly<Record<string, string>>): HookFolder {
  const dir = mkdtempSync(path.join(os.tmpdir(), "ameide-hook-"));
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
  return {
    dir,
    entry: path.join(dir, "src", "index.ts"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The simplest hook: echoes its input. */
export const ECHO_HOOK = `export function run(input: string): string {
  return input;
}
`;

/**
 * A hook that exercises the whole PDK: the input's "op" picks what to do.
 * Each branch is short, so a test reads it next to its assertions.
 */
export const RICH_HOOK = `import { JSON, log, host, fail, failWith } from "@ameide-ext/pdk";

// Module-level state, set up once per instance (the start function).
const LIMITS = new Map<string, f64>();
LIMITS.set("amount", 50000);

export function run(input: string): string {
  const parsed = JSON.tryParse(input);
  if (!parsed.ok) return fail("BAD_INPUT", parsed.error);
  const req = parsed.value;
  const op = req.getString("op");

  if (op == "roundtrip") {
    const value = req.get("value");
    return value !== null ? value.toString() : "null";
  }
  if (op == "parse") {
    // parse a string field as JSON text and re-serialize it
    const inner = JSON.tryParse(req.getString("text"));
    if (!inner.ok) return failWith("BAD_JSON", inner.error, JSON.object().set("position", inner.position));
    return inner.value.toString();
  }
  if (op == "getters") {
    const deal = req.getObject("deal");
    if (deal === null) return fail("NO_DEAL", "deal is missing");
    const lines = deal.getArray("lines");
    let total = 0.0;
    if (lines !== null) {
      for (let i = 0; i < lines.length; i++) total += lines[i].getNumber("price") * lines[i].getNumber("qty", 1);
    }
    return JSON.object()
      .set("amount", deal.getNumber("amount"))
      .set("amountMissing", deal.getNumber("nope", -1))
      .set("id", deal.getInteger("id"))
      .set("name", deal.getString("name", "anonymous"))
      .set("vip", deal.getBool("vip"))
      .set("hasTags", deal.has("tags"))
      .set("tagCount", deal.getArray("tags") !== null ? deal.getArray("tags")!.length : -1)
      .set("lineTotal", total)
      .set("wrongKind", deal.getString("amount", "fallback"))
      .set("keys", deal.keys())
      .toString();
  }
  if (op == "build") {
    return JSON.object()
      .set("route", "extra_approval")
      .set("score", 0.42)
      .set("count", 3)
      .set("big", <i64>9007199254740993)
      .set("float", 2.0)
      .set("ok", true)
      .set("text", "quote\\" backslash\\\\ nl\\n tab\\t ctl\\u0001 é 😀")
      .set("ints", [1, 2, 3])
      .set("strs", ["a", "b"])
      .set("nested", JSON.object().set("yes", true).setNull("none").set("list", JSON.array().push(1.5).push("x").pushNull()))
      .set("route", "replaced keeps its place")
      .toString();
  }
  if (op == "numbers") {
    const texts = req.getArray("texts");
    const out = JSON.array();
    if (texts !== null) {
      for (let i = 0; i < texts.length; i++) out.push(JSON.parse(texts[i].asString()).asNumber());
    }
    return out.toString();
  }
  if (op == "integers") {
    const values = req.getArray("values");
    const out = JSON.array();
    if (values !== null) {
      for (let i = 0; i < values.length; i++) out.push(values[i].asInteger(-1));
    }
    return out.toString();
  }
  if (op == "remove") {
    const o = JSON.object().set("a", 1).set("b", 2).set("c", 3);
    const removed = o.remove("b");
    return JSON.object().set("first", removed).set("again", o.remove("b")).set("o", o).set("length", o.length).toString();
  }
  if (op == "nullable") {
    const missing: string | null = null;
    return JSON.object().set("s", missing).set("v", req.get("nope")).set("limit", LIMITS.get("amount")).toString();
  }
  if (op == "fail") return fail(req.getString("code"), req.getString("message"));
  if (op == "failWith") {
    return failWith("LIMIT", "over the limit", JSON.object().set("limit", 50000).set("actual", req.getNumber("amount")));
  }
  if (op == "call") {
    const request = req.get("request");
    const res = host.call(req.getString("service"), req.getString("method"), request !== null ? request : JSON.object());
    if (!res.ok) return fail(res.code, res.message);
    return JSON.object().set("reply", res.json()).toString();
  }
  if (op == "callText") {
    const res = host.call("svc", "m", "[1,2]");
    return JSON.object().set("ok", res.ok).set("payload", res.payload).set("code", res.code).set("message", res.message).toString();
  }
  if (op == "log") {
    log.debug("debug line");
    log.info("info line é");
    log.warn("warn line");
    log.error("error line");
    return "{}";
  }
  if (op == "abort") {
    throw new Error("boom");
  }
  if (op == "assert") {
    assert(req.getNumber("n") > 10, "n must exceed 10");
    return "{}";
  }
  if (op == "parseOrTrap") {
    return JSON.parse(req.getString("text")).toString();
  }
  return fail("UNKNOWN_OP", "unknown op: " + op);
}
`;

/** Core modules built from hook sources, and how to remove their folders. */
export interface BuiltHookCores {
  /** Each source's core module, in order. */
  cores: Uint8Array[];
  /** Removes the hooks' folders. */
  remove(): void;
}

/** Builds each hook source (its `src/index.ts`) with the AssemblyScript PDK, in its own folder, all at once. */
export async function buildHookCores(sources: readonly string[]): Promise<BuiltHookCores> {
  const folders = sources.map((source) => writeHookFolder({ "src/index.ts": source }));
  const remove = () => {
    for (const folder of folders) folder.remove();
  };
  try {
    const cores = await Promise.all(
      folders.map(async (folder) => (await buildAssemblyScript({ entry: folder.entry })).core),
    );
    return { cores, remove };
  } catch (cause) {
    remove();
    throw cause;
  }
}
