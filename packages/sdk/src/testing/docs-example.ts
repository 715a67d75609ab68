/**
 * Test support: runs the examples of docs/sdk/*.md, so every page's opening
 * snippet is code that works. A snippet is the ```ts block that follows
 * `<!-- docs-example: <name> -->` in the page; it is an ES module that
 * imports `@ameide-ext/sdk` like a user's code, and may export values for the
 * test to check. Snippets read `process.env` for what the test provides (a
 * runtime's URL, a registry's URL), with the defaults a reader would use.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const REPO = join(import.meta.dirname, "..", "..", "..", "..");
const OUT = join(REPO, ".tmp", "docs-examples");

/** The source of the snippet `name` in docs/sdk/`page`.md; throws naming what is missing. */
export function docsExample(page: string, name: string): string {
  const path = join(REPO, "docs", "sdk", `${page}.md`);
  const text = readFileSync(path, "utf8");
  const match = new RegExp(`<!-- docs-example: ${name} -->\\s*\`\`\`ts\\n([\\s\\S]*?)\`\`\``).exec(text);
  if (match?.[1] === undefined) throw new Error(`docs/sdk/${page}.md has no example "${name}"`);
  return match[1];
}

let runs = 0;

/**
 * Runs the snippet `name` of docs/sdk/`page`.md as a module (written under
 * the repository's `.tmp/`, so its imports resolve as a user's would) and
 * returns its exports.
 */
export async function runDocsExample(page: string, name: string): Promise<Record<string, unknown>> {
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `${page}-${name}-${process.pid}-${++runs}.ts`);
  writeFileSync(file, docsExample(page, name));
  return (await import(file)) as Record<string, unknown>;
}
