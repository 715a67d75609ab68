import { ExtensionError } from "@ameide-ext/pdk/contract";
import { Health, HealthCheckResponse_ServingStatus, WasmExtensionRuntime } from "@ameide-ext/proto";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { toConnectError } from "./connect-codes.js";
import type { Runtime } from "./create-runtime.js";

/**
 * The Connect routes of the runtime: `ameide.extensions.v1.WasmExtensionRuntime`
 * and the standard `grpc.health.v1.Health/Check` (for Kubernetes gRPC probes,
 * and the bench's empty-RPC baseline). Connect, gRPC and gRPC-Web all reach them.
 */
export function runtimeRoutes(runtime: Runtime): (router: ConnectRouter) => void {
  return (router) => {
    router.service(WasmExtensionRuntime, {
      async invokeExtension(req, context) {
        try {
          return await runtime.invokeExtension(req, { timeoutMs: context.timeoutMs() });
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
