import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { EXTENSION_KINDS } from "@ameide-ext/contract";
import { FIXTURE_SCHEMA, HOOK_LANGUAGES, MANIFEST_SCHEMA } from "@ameide-ext/toolkit";
import { TEMPLATE_IGNORED, TEMPLATES_DIR } from "../new/templates.js";

/** One resource `ameide-ext mcp` offers: a document an agent reads before it writes a hook. */
export interface McpResource {
  /** `ameide-ext://…` */
  uri: string;
  name: string;
  description: string;
  mimeType: string;
  /** The resource's text. */
  read(): Promise<string>;
}

const require = createRequire(import.meta.url);
const packageDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`));

function file(
  uri: string,
  name: string,
  description: string,
  at: string,
  mimeType = "text/markdown",
): McpResource {
  return { uri, name, description, mimeType, read: () => readFile(at, "utf8") };
}

function json(uri: string, name: string, description: string, value: unknown): McpResource {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  return { uri, name, description, mimeType: "application/schema+json", read: async () => text };
}

/**
 * The resources: the guest contract (CONTRACT.md), the manifest and fixture JSON schemas, the PDK's reference
 * (its README, the AssemblyScript API and the TypeScript guest API), and every file of every template.
 */
export async function listMcpResources(): Promise<McpResource[]> {
  const contract = packageDir("@ameide-ext/contract");
  const pdk = packageDir("@ameide-ext/pdk");
  const resources: McpResource[] = [
    file(
      "ameide-ext://contract/CONTRACT.md",
      "CONTRACT.md",
      "The guest contract: the WIT world, JSON conventions, determinism, limits, errors.",
      path.join(contract, "CONTRACT.md"),
    ),
    json(
      "ameide-ext://schema/manifest",
      "manifest schema",
      "JSON Schema of extension.json.",
      MANIFEST_SCHEMA,
    ),
    json("ameide-ext://schema/fixture", "fixture schema", "JSON Schema of tests/*.json.", FIXTURE_SCHEMA),
    file(
      "ameide-ext://pdk/README.md",
      "PDK reference",
      "Writing a hook in AssemblyScript or TypeScript: the guest API, building, the core ABI.",
      path.join(pdk, "README.md"),
    ),
    file(
      "ameide-ext://pdk/assemblyscript/index.ts",
      "PDK API (AssemblyScript)",
      "What an AssemblyScript hook imports from the PDK.",
      path.join(pdk, "assembly", "index.ts"),
      "text/x-typescript",
    ),
    file(
      "ameide-ext://pdk/typescript/host.d.ts",
      "PDK API (TypeScript)",
      'What a TypeScript hook imports from "@ameide-ext/pdk".',
      path.join(pdk, "guest", "host.d.ts"),
      "text/x-typescript",
    ),
  ];
  for (const lang of HOOK_LANGUAGES)
    for (const kind of EXTENSION_KINDS) {
      const dir = path.join(TEMPLATES_DIR, lang, kind);
      for (const rel of await filesUnder(dir))
        resources.push(
          file(
            `ameide-ext://template/${lang}/${kind}/${rel}`,
            `template ${lang}/${kind}: ${rel}`,
            `The ${kind} template in ${lang}: ${rel}.`,
            path.join(dir, rel),
            rel.endsWith(".json")
              ? "application/json"
              : rel.endsWith(".md")
                ? "text/markdown"
                : "text/x-typescript",
          ),
        );
    }
  return resources;
}

/** Files under `dir`, relative and with forward slashes, sorted; none when it does not exist. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join("/"))
    .filter((rel) => !rel.split("/").some((part) => TEMPLATE_IGNORED.has(part)))
    .sort();
}
