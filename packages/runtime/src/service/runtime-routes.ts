import { ExtensionError, toConnectError } from "@ameide-ext/contract";
import { Health, HealthCheckResponse_ServingStatus, WasmExtensionRuntime } from "@ameide-ext/proto";
import { Code, ConnectError, type ConnectRouter, createContextKey } from "@connectrpc/connect";
import { authorizeRequest } from "./authorize-request.js";
import { type CallerAuthenticator, USER_TOKEN_HEADER } from "./caller-authenticator.js";
import type { Runtime } from "./create-runtime.js";

/** Context value the server sets: true when the request came in on the Unix domain socket. */
export const VIA_SOCKET = createContextKey(false, {
  description: "request came in on the runtime's Unix socket",
});

/**
 * The Connect routes of the runtime: `ameide.extensions.v1.WasmExtensionRuntime`
 * and the standard `grpc.health.v1.Health/Check` (for Kubernetes gRPC probes,
 * and the bench's empty-RPC baseline). Connect, gRPC and gRPC-Web all reach them.
 * With `auth`, each InvokeExtension first proves its caller and checks the
 * context against it (refusals are RPC errors, logged, never invocations);
 * without it the caller is trusted, as in-process code is.
 */
export function runtimeRoutes(
  runtime: Runtime,
  auth?: CallerAuthenticator | undefined,
): (router: ConnectRouter) => void {
  return (router) => {
    router.service(WasmExtensionRuntime, {
      async invokeExtension(req, context) {
        let request = req;
        if (auth) {
          try {
            const identity = await auth.authenticate({
              authorization: context.requestHeader.get("authorization"),
              userToken: context.requestHeader.get(USER_TOKEN_HEADER),
              viaSocket: context.values.get(VIA_SOCKET),
            });
            request = authorizeRequest(identity, req);
          } catch (cause) {
            const err = ExtensionError.from(cause);
            runtime.metrics.callerRefused(err.code, err.reason ?? "");
            runtime.logger.warn(
              {
                event: "caller_refused",
                error_code: err.code,
                error_reason: err.reason,
                tenant_id: req.ctx?.tenantId,
                extension_id: req.extensionId,
              },
              `InvokeExtension refused: ${err.message}`,
            );
            throw toConnectError(err);
          }
        }
        try {
          return await runtime.invokeExtension(request, { timeoutMs: context.timeoutMs() });
        } catch (cause) {
          throw toConnectError(ExtensionError.from(cause));
        }
      },
    });
    router.service(Health, {
      check(req) {
        if (req.service !== "" && req.service !== WasmExtensionRuntime.typeName)
          throw new ConnectError(`unknown service ${req.service}`, Code.NotFound);
        return {
          status: runtime.ready
            ? HealthCheckResponse_ServingStatus.SERVING
            : HealthCheckResponse_ServingStatus.NOT_SERVING,
        };
      },
      // biome-ignore lint/correctness/useYield: Watch is not offered; the generator only throws.
      async *watch() {
        throw new ConnectError("Health/Watch is not implemented; use Check", Code.Unimplemented);
      },
    });
  };
}
