// Test support: a scaffolded hook as a registry revision. Internal.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { collectSources, createNodeDeps, newHook } from "@ameide-ext/cli";
import type { RevisionRecord, SourceLanguageName } from "../domain/types.js";

/**
 * Scaffolds `kind` in `lang` into `dir` (optionally editing files first) and returns it as a draft
 * revision with sources, uploaded as `language` (default: `lang`).
 */
export async function hookRevision(
  dir: string,
  kind: "process_hook" | "domain_hook" | "agent_tool",
  edit: (dir: string) => Promise<void> = async () => {},
  {
    lang = "assemblyscript",
    language = lang,
  }: { lang?: SourceLanguageName; language?: SourceLanguageName } = {},
): Promise<RevisionRecord> {
  const deps = { ...createNodeDeps(), cwd: dir };
  const made = await newHook({ name: "deal-guard", kind, lang, dir: join(dir, "deal-guard") }, deps);
  await edit(made.dir);
  const manifest = JSON.parse(await readFile(join(made.dir, "extension.json"), "utf8")) as {
    risk_tier: RevisionRecord["riskTier"];
    limits: RevisionRecord["limits"];
    host_calls: RevisionRecord["hostCalls"];
  };
  const files = await collectSources(made.dir);
  const at = new Date().toISOString();
  return {
    tenantId: "acme",
    extensionId: "deal-guard",
    version: "7",
    state: "draft",
    rowVersion: 1,
    kind,
    riskTier: manifest.risk_tier,
    limits: manifest.limits,
    hostCalls: manifest.host_calls,
    description: "",
    createdBy: "user:ann",
    tags: [],
    inputSchemaJson: "",
    outputSchemaJson: "",
    baseVersion: "",
    language,
    sources: files.map((f) => ({ path: f.path, contentBase64: Buffer.from(f.content).toString("base64") })),
    manifestJson: files.find((f) => f.path === "extension.json")
      ? Buffer.from(
          (files.find((f) => f.path === "extension.json") as { content: Uint8Array }).content,
        ).toString()
      : "",
    wasmBlobRef: "",
    sha256: "",
    createdAt: at,
    updatedAt: at,
  };
}

/** Replaces text in a file. */
export async function editFile(file: string, from: string, to: string): Promise<void> {
  await writeFile(file, (await readFile(file, "utf8")).replace(from, to));
}
