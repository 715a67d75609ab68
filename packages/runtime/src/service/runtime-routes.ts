import { ExtensionError, toConnectError } from "@ameide-ext/contract";
import {
  Health,
  HealthCheckResponse_ServingStatus,
  type InvokeExtensionBatchRequest,
  type InvokeExtensionRequest,
  type InvokeExtensionResponse,
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
import { type BatchAnswer, batchResponse } from "./batch-response.js";
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
    router.rpc(methods.invokeExtension, (req, context) =>
      serveInvoke(runtime, auth, req, callOfContext(context)),
    );
    // A batch's body may be larger than a single call's: up to the batch caps, as base64 in JSON.
    const readMaxBytes = batchReadMaxBytes(runtime.settings.batch);
    router.rpc(
      methods.invokeExtensionBatch,
      async (req, context) => {
        const answer = await serveBatch(runtime, auth, req, callOfContext(context));
        // The binary wire gets the answer encoded by hand, straight from its items (no response object
        // per input); JSON is written by protobuf-es from the response's fields.
        return answersInBinary(context) ? preEncoded(encodeBatchAnswer(answer)) : batchResponse(answer);
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

/**
 * What an RPC of the runtime reads of its call besides the message: a
 * request header, whether it came in on the Unix socket, the caller's
 * deadline. Connect's HandlerContext gives it (callOfContext), and so does
 * the binary lane (binary-lane.ts), which serves Connect's binary unary
 * calls without Connect's per-request machinery.
 */
export interface CallContext {
  /** A request header's value, or null. */
  header(name: string): string | null;
  /** Every request header (what a trace propagator reads): made on demand, when the runtime traces. */
  headers(): Headers;
  viaSocket: boolean;
  /** The caller's deadline (`Connect-Timeout-Ms`, `grpc-timeout`), in milliseconds; undefined when none. */
  timeoutMs: number | undefined;
}

/** The call as a Connect route sees it. */
function callOfContext(context: HandlerContext): CallContext {
  return {
    header: (name) => context.requestHeader.get(name),
    headers: () => context.requestHeader,
    viaSocket: context.values.get(VIA_SOCKET),
    timeoutMs: context.timeoutMs(),
  };
}

/** The call's deadline and, when the runtime traces, the caller's trace context (`traceparent`). */
function callOptions(runtime: Runtime, call: CallContext) {
  return runtime.tracing
    ? { timeoutMs: call.timeoutMs, traceContext: traceContextOfHeaders(call.headers()) }
    : { timeoutMs: call.timeoutMs };
}

/** Runs one InvokeExtension for a caller proven by `auth` (when set); a refusal or a runtime error is thrown as an RPC error. */
export async function serveInvoke(
  runtime: Runtime,
  auth: CallerAuthenticator | undefined,
  req: InvokeExtensionRequest,
  call: CallContext,
): Promise<InvokeExtensionResponse> {
  const request = auth ? await authorized(runtime, auth, req, call, "InvokeExtension") : req;
  try {
    return await runtime.invokeExtension(request, callOptions(runtime, call));
  } catch (cause) {
    throw toConnectError(ExtensionError.from(cause));
  }
}

/** Runs one InvokeExtensionBatch as {@link serveInvoke} runs a call, to its answer (not yet a response). */
export async function serveBatch(
  runtime: Runtime,
  auth: CallerAuthenticator | undefined,
  req: InvokeExtensionBatchRequest,
  call: CallContext,
): Promise<BatchAnswer> {
  const request = auth ? await authorized(runtime, auth, req, call, "InvokeExtensionBatch") : req;
  try {
    return await runtime.answerExtensionBatch(request, callOptions(runtime, call));
  } catch (cause) {
    throw toConnectError(ExtensionError.from(cause));
  }
}

/**
 * Proves the caller of `req` and checks its context against it; a refusal is
 * counted, logged and thrown as an RPC error, never an invocation.
 */
async function authorized<R extends Pick<InvokeExtensionRequest, "ctx" | "extensionId">>(
  runtime: Runtime,
  auth: CallerAuthenticator,
  req: R,
  call: CallContext,
  rpc: string,
): Promise<R> {
  try {
    const identity = await auth.authenticate({
      authorization: call.header("authorization"),
      userToken: call.header(USER_TOKEN_HEADER),
      viaSocket: call.viaSocket,
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
