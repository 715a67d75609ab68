import { ERROR_REASON_HEADER, ExtensionError, fromConnectCode, isErrorReason } from "@ameide-ext/contract";
import { type ExtensionDefinition, ExtensionService } from "@ameide-ext/proto";
import { type ToolDefinition, toolDefinitionFromRegistry } from "@ameide-ext/sdk/agent";
import { type Client, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";

/** Where the agent reads a tool's definition when a Transformation registry is configured. */
export interface RegistryToolSource {
  /** The registry's URL (AMEIDE_REGISTRY_URL), e.g. "http://127.0.0.1:7070". */
  url: string;
  /** A registry token that may read the tenant's extensions (AMEIDE_TOKEN). */
  token: string;
  /** The tenant that owns the extension. */
  tenantId: string;
  /** The extension. */
  extensionId: string;
  /** The version to read; "" (default) for the newest. The tool is pinned to the version read. */
  version?: string | undefined;
}

/** The registry methods this needs: GetExtension only. */
export type RegistryReader = Pick<Client<typeof ExtensionService>, "getExtension">;

/** A registry client over Connect (HTTP/1.1) sending `Authorization: Bearer <token>`. */
export function createRegistryReader(source: Pick<RegistryToolSource, "url" | "token">): RegistryReader {
  const auth: Interceptor = (next) => (req) => {
    req.header.set("authorization", `Bearer ${source.token}`);
    return next(req);
  };
  const transport = createConnectTransport({ baseUrl: source.url, httpVersion: "1.1", interceptors: [auth] });
  return createClient(ExtensionService, transport);
}

/**
 * The tool's definition as the registry holds the version (GetExtension):
 * its id, description and schemas, pinned to that version
 * (toolDefinitionFromRegistry). Throws ExtensionError: the registry's own
 * code and reason (`not_found` for an extension it does not hold,
 * `unauthenticated` for a bad token), or `not_found` when it answers with no
 * definition.
 */
export async function readRegistryToolDefinition(
  source: RegistryToolSource,
  registry: RegistryReader = createRegistryReader(source),
): Promise<ToolDefinition> {
  let definition: ExtensionDefinition | undefined;
  try {
    const res = await registry.getExtension({
      tenantId: source.tenantId,
      extensionId: source.extensionId,
      version: source.version ?? "",
    });
    definition = res.revision?.definition;
  } catch (cause) {
    throw fromRegistryError(cause, source);
  }
  if (definition === undefined)
    throw new ExtensionError(
      "not_found",
      `the registry at ${source.url} holds no definition of ${source.extensionId}${source.version ? `@${source.version}` : ""} for tenant ${source.tenantId}; promote the hook first`,
      undefined,
      { extensionId: source.extensionId },
    );
  return toolDefinitionFromRegistry(definition);
}

function fromRegistryError(cause: unknown, source: RegistryToolSource): ExtensionError {
  if (cause instanceof ExtensionError) return cause;
  const err = ConnectError.from(cause);
  const reason = err.metadata.get(ERROR_REASON_HEADER);
  return new ExtensionError(
    fromConnectCode(err.code),
    `the registry at ${source.url} refused GetExtension ${source.extensionId}: ${err.rawMessage}`,
    isErrorReason(reason) ? reason : undefined,
    { extensionId: source.extensionId },
  );
}
