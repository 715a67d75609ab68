/** The runtime's InvokeExtension route: `POST <runtime URL>` + this, Connect JSON or binary. */
export const INVOKE_ROUTE = "/ameide.extensions.v1.WasmExtensionRuntime/InvokeExtension";

/** Where a runtime is and how to call it as the stack's caller. */
export interface InvokeRouteTarget {
  /** The runtime's URL. */
  runtimeUrl: string;
  /** The file holding the runtime caller token. */
  runtimeTokenFile: string;
  /** The tenant the token acts for. */
  tenant: string;
}

/**
 * A shell command that invokes `<extension>` (to replace) once with
 * `input.json` through `target`, as curl: the Connect JSON request with
 * `inputJson` base64-encoded by the shell, the token read from its file.
 * `ameide-ext dev` prints it; a test runs it as printed.
 */
export function invokeCurlCommand(target: InvokeRouteTarget): string {
  const body =
    `{\\"extensionId\\":\\"<extension>\\",\\"version\\":\\"latest\\",` +
    `\\"ctx\\":{\\"tenantId\\":\\"${target.tenant}\\",\\"env\\":\\"dev\\"},` +
    `\\"inputJson\\":\\"$(base64 -w0 < input.json)\\"}`;
  return [
    "curl -s -H 'Content-Type: application/json'",
    `-H "Authorization: Bearer $(cat '${target.runtimeTokenFile}')"`,
    `-d "${body}"`,
    `${target.runtimeUrl}${INVOKE_ROUTE}`,
  ].join(" ");
}
