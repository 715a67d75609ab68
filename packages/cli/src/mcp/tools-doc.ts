import type { McpTool } from "./mcp-tools.js";

/** The CLI command whose `--json` document a tool answers with, for the tools docs/cli.md already documents. */
const DOCUMENTED_IN_CLI: Readonly<Partial<Record<string, string>>> = {
  scaffold_hook: "new",
  build_hook: "build",
  test_hook: "test",
  run_hook: "run",
  promote_hook: "promote",
  hook_status: "status",
};

/**
 * The tools of docs/agents.md, one `### \`name\`` section each: the description, the hints, the input schema
 * and the output schema (or a pointer to the CLI's document of the same shape). docs/agents.md holds exactly
 * this text; `UPDATE_DOCS=1 npx vitest run packages/cli/src/mcp/agents-doc.test.ts` writes it there.
 */
export function renderToolsDoc(tools: readonly McpTool[]): string {
  const out: string[] = [];
  for (const t of tools) {
    const work = t.command === "-" ? "" : ` The work of \`ameide-ext ${t.command}\`.`;
    out.push(`### \`${t.name}\``, "", `${t.description}${work}`, "");
    out.push(`<!-- tool-annotations: ${t.name} -->`, `Hints: \`${JSON.stringify(t.annotations)}\``, "");
    out.push(
      "Input:",
      "",
      `<!-- tool-input: ${t.name} -->`,
      "```json",
      JSON.stringify(t.inputSchema, null, 2),
      "```",
      "",
    );
    const same = DOCUMENTED_IN_CLI[t.name];
    if (same !== undefined)
      out.push(
        `Output: the \`${same}\` document of [cli.md](cli.md#${same}-1) (\`ameide-ext schema ${same}\`).`,
        "",
      );
    else
      out.push(
        "Output:",
        "",
        `<!-- tool-output: ${t.name} -->`,
        "```json",
        JSON.stringify(t.outputSchema, null, 2),
        "```",
        "",
      );
  }
  return out.join("\n");
}
