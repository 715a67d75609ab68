import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { ExtensionError } from "@ameide-ext/contract";
import type { ToolDefinition } from "@ameide-ext/sdk/agent";

/** The `opportunity-risk` hook's folder (AssemblyScript sources, manifest, fixtures), beside src/ and dist/. */
export const OPPORTUNITY_RISK_DIR = fileURLToPath(new URL("../hooks/opportunity-risk/", import.meta.url));

/** The extension id of the hook, as its manifest names it. */
export const OPPORTUNITY_RISK_ID = "opportunity-risk";

/**
 * The hook's manifest (`extension.json`) as a tool definition, as it is: id,
 * description, both schemas, pinned to the manifest's version. Pass
 * `version: "latest"` to follow what is promoted instead. Throws
 * `not_found` when the file is missing, `invalid_argument/invalid_manifest`
 * when it is not JSON.
 */
export async function readToolManifest(
  file = `${OPPORTUNITY_RISK_DIR}extension.json`,
  version?: string,
): Promise<ToolDefinition> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (cause) {
    throw new ExtensionError(
      "not_found",
      `cannot read the tool's manifest ${file}: ${(cause as Error).message}`,
    );
  }
  let manifest: ToolDefinition;
  try {
    manifest = JSON.parse(text) as ToolDefinition;
  } catch (cause) {
    throw new ExtensionError(
      "invalid_argument",
      `the tool's manifest ${file} is not JSON: ${(cause as Error).message}`,
      "invalid_manifest",
      { file },
    );
  }
  return version === undefined ? manifest : { ...manifest, version };
}
