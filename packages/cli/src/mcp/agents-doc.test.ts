import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { listMcpResources } from "./mcp-resources.js";
import { MCP_TOOLS } from "./mcp-tools.js";
import { renderToolsDoc } from "./tools-doc.js";

// docs/agents.md is the MCP server's reference: these tests keep it equal to the server.
const DOC = new URL("../../../../docs/agents.md", import.meta.url);
const doc = readFileSync(DOC, "utf8");
/** Where the generated tools section sits: after the Tools intro, up to the next section. */
const TOOLS_START = doc.indexOf("### `");
const TOOLS_END = doc.indexOf("\n## Resources and the prompt");

function quoted(tag: string): Map<string, unknown> {
  const found = new Map<string, unknown>();
  for (const m of doc.matchAll(new RegExp(`<!-- ${tag}: (\\w+) -->\\n\`\`\`json\\n([\\s\\S]*?)\`\`\``, "g")))
    found.set(m[1] ?? "", JSON.parse(m[2] ?? ""));
  return found;
}

describe("docs/agents.md", () => {
  it("holds the tools section renderToolsDoc() makes (UPDATE_DOCS=1 rewrites it)", () => {
    const rendered = renderToolsDoc(MCP_TOOLS);
    if (process.env.UPDATE_DOCS === "1" && doc.slice(TOOLS_START, TOOLS_END) !== rendered)
      writeFileSync(DOC, doc.slice(0, TOOLS_START) + rendered + doc.slice(TOOLS_END));
    else expect(doc.slice(TOOLS_START, TOOLS_END)).toBe(rendered);
  });

  it("lists exactly the server's tools, in its order", () => {
    const sections = [...doc.matchAll(/^### `(\w+)`$/gm)].map((m) => m[1]);
    expect(sections).toEqual(MCP_TOOLS.map((t) => t.name));
  });

  it("quotes every tool's input schema, and each output schema the CLI docs do not", () => {
    const inputs = quoted("tool-input");
    const outputs = quoted("tool-output");
    for (const t of MCP_TOOLS) {
      expect(inputs.get(t.name), t.name).toEqual(t.inputSchema);
      if (outputs.has(t.name)) expect(outputs.get(t.name), t.name).toEqual(t.outputSchema);
      else
        expect(doc, t.name).toMatch(new RegExp(`### \`${t.name}\`[\\s\\S]*?Output: the \`\\w+\` document`));
    }
  });

  it("states every tool's hints (annotations)", () => {
    for (const t of MCP_TOOLS) {
      const line = new RegExp(`<!-- tool-annotations: ${t.name} -->\\nHints: \`(.*)\``).exec(doc)?.[1];
      expect(JSON.parse(line ?? "null"), t.name).toEqual(t.annotations);
    }
  });

  it("never offers approve", () => {
    expect(MCP_TOOLS.map((t) => t.name).filter((n) => /approve|reject/.test(n))).toEqual([]);
  });

  it("names every resource but the templates' files, which it names by pattern", async () => {
    for (const r of await listMcpResources())
      expect(doc, r.uri).toContain(
        r.uri.startsWith("ameide-ext://template/")
          ? "ameide-ext://template/<lang>/<kind>/<file>"
          : `\`${r.uri}\``,
      );
  });

  it("gives an MCP client configuration that is JSON and starts `ameide-ext mcp`", () => {
    const block = /<!-- mcp-config -->\n```json\n([\s\S]*?)```/.exec(doc)?.[1] ?? "";
    const config = JSON.parse(block) as { mcpServers: Record<string, { command: string; args: string[] }> };
    expect(config.mcpServers["ameide-ext"]?.args.slice(0, 2)).toEqual(["ameide-ext", "mcp"]);
  });
});
