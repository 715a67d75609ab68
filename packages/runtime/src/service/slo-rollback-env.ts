import { readFile } from "node:fs/promises";
import { ExtensionError } from "@ameide-ext/contract";
import type { SloRollbackRequester } from "./slo-guard.js";
import { createSloRollbackClient } from "./slo-rollback-client.js";

/**
 * The runtime process's auto-rollback, from its environment: `AMEIDE_RUNTIME_REGISTRY_URL` (the
 * registry) and its service credential in `AMEIDE_RUNTIME_REGISTRY_TOKEN_FILE` or
 * `AMEIDE_RUNTIME_REGISTRY_TOKEN` (a secret: never in the catalog). Neither set: undefined (a fast burn only
 * trips the breaker). A URL without a token, or a token file that cannot be read, is `invalid_argument`.
 */
export async function sloRollbackFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): Promise<SloRollbackRequester | undefined> {
  const url = env.AMEIDE_RUNTIME_REGISTRY_URL;
  const file = env.AMEIDE_RUNTIME_REGISTRY_TOKEN_FILE;
  let token = env.AMEIDE_RUNTIME_REGISTRY_TOKEN;
  if (file !== undefined) {
    try {
      token = (await readFile(file, "utf8")).trim();
    } catch (cause) {
      throw new ExtensionError(
        "invalid_argument",
        `AMEIDE_RUNTIME_REGISTRY_TOKEN_FILE ${file} cannot be read: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`,
      );
    }
  }
  if (url === undefined && token === undefined) return undefined;
  if (url === undefined || token === undefined)
    throw new ExtensionError(
      "invalid_argument",
      "auto-rollback needs both AMEIDE_RUNTIME_REGISTRY_URL and the runtime's service token (AMEIDE_RUNTIME_REGISTRY_TOKEN_FILE or AMEIDE_RUNTIME_REGISTRY_TOKEN); set both, or neither",
    );
  return createSloRollbackClient({ url, token });
}
