import { ExtensionError, toConnectError } from "@ameide-ext/contract";
import {
  Health,
  HealthCheckResponse_ServingStatus,
  type InvokeExtensionRequest,
  WasmExtensionRuntime,
} from "@ameide-ext/proto";
import {
  Code,
  ConnectError,
  type ConnectRouter,
  createContextKey,
  type HandlerContext,
} from "@connectrpc/connect";
import { authorizeRequest } from "./authorize-request.js";
import { batchResponse } from "./batch-response.js";
import { batchReadMaxBytes } from "./batch-size.js";
import { type CallerAuthenticator, USER_TOKEN_HEADER } from "./caller-authenticator.js";
import type { Runtime } from "./create-runtime.js";
import { encodeBatchAnswer, preEncoded } from "./encode-batch-response.js";
import { traceContextOfHeaders } from "./invocation-tracing.js";

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
 * without it the caller is trusted, as in-process code is. InvokeExtensionBatch
 * is authenticated the same way; its body may be as large as the batch caps
 * allow (batchReadMaxBytes), a single call's as `routerReadMaxBytes`.
 */
export function runtimeRoutes(
  runtime: Runtime,
  auth?: CallerAuthenticator | undefined,
  routerReadMaxBytes?: number | undefined,
): (router: ConnectRouter) => void {
  return (router) => {
    const methods = WasmExtensionRuntime.method;
    router.rpc(methods.invokeExtension, async (req, context) => {
      const request = auth ? await authorized(runtime, auth, req, context, "InvokeExtension") : req;
      try {
        return await runtime.invokeExtension(request, callOptions(runtime, context));
      } catch (cause) {
        throw toConnectError(ExtensionError.from(cause));
      }
    });
    // A batch's body may be larger than a single call's: up to the batch caps, as base64 in JSON.
    const readMaxBytes = batchReadMaxBytes(runtime.settings.batch);
    router.rpc(
      methods.invokeExtensionBatch,
      async (req, context) => {
        const request = auth ? await authorized(runtime, auth, req, context, "InvokeExtensionBatch") : req;
        try {
          const answer = await runtime.answerExtensionBatch(request, callOptions(runtime, context));
          // The binary wire gets the answer encoded by hand, straight from its items (no response object
          // per input); JSON is written by protobuf-es from the response's fields.
          return answersInBinary(context) ? preEncoded(encodeBatchAnswer(answer)) : batchResponse(answer);
        } catch (cause) {
          throw toConnectError(ExtensionError.from(cause));
        }
      },
      { readMaxBytes: Math.max(readMaxBytes, routerReadMaxBytes ?? 0) },
    );
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

/** Whether the call's answer goes out in protobuf's binary format (Connect, gRPC and gRPC-Web without +json). */
function answersInBinary(context: HandlerContext): boolean {
  return !(context.requestHeader.get("content-type") ?? "").includes("json");
}

/** The call's deadline and, when the runtime traces, the caller's trace context (`traceparent`). */
function callOptions(runtime: Runtime, context: HandlerContext) {
  return runtime.tracing
    ? { timeoutMs: context.timeoutMs(), traceContext: traceContextOfHeaders(context.requestHeader) }
    : { timeoutMs: context.timeoutMs() };
}

/**
 * Proves the caller of `req` and checks its context against it; a refusal is
 * counted, logged and thrown as an RPC error, never an invocation.
 */
async function authorized<R extends Pick<InvokeExtensionRequest, "ctx" | "extensionId">>(
  runtime: Runtime,
  auth: CallerAuthenticator,
  req: R,
  context: HandlerContext,
  rpc: string,
): Promise<R> {
  try {
    const identity = await auth.authenticate({
      authorization: context.requestHeader.get("authorization"),
      userToken: context.requestHeader.get(USER_TOKEN_HEADER),
      viaSocket: context.values.get(VIA_SOCKET),
    });
    return authorizeRequest(identity, req);
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
      `${rpc} refused: ${err.message}`,
    );
    throw toConnectError(err);
  }
}
