import { Agent } from "node:http";
import { connect as netConnect } from "node:net";
import type { ExecutionContext } from "@ameide-ext/contract";
import { ExtensionError, fromConnectError } from "@ameide-ext/contract";
import {
  type InvokeExtensionBatchRequest,
  type InvokeExtensionBatchResponse,
  type InvokeExtensionRequest,
  InvokeExtensionRequestSchema,
  type InvokeExtensionResponse,
  WasmExtensionRuntime,
} from "@ameide-ext/proto";
import { create } from "@bufbuild/protobuf";
import { type CallOptions, createClient, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
  Http2SessionManager,
} from "@connectrpc/connect-node";
import { context, propagation, ROOT_CONTEXT } from "@opentelemetry/api";
import { type ChattinessOptions, createChattinessCounter } from "./chattiness.js";
import { createBinaryUnaryCall, resolveReadMaxBytes } from "./connect-unary/binary-unary-call.js";
import { invokeBatchCodec, invokeCodec, type RpcCodec } from "./connect-unary/runtime-codecs.js";
import { createEndpointPool, type EndpointPoolOptions } from "./endpoint-pool.js";
import {
  batchRequest,
  type InvokeManyOptions,
  type InvokeManyResult,
  readBatchResponse,
} from "./invoke-many.js";
import { type InvokeResult, readResponse } from "./read-response.js";
import { type RetryOptions, resolveRetry, retryDelayMs } from "./retry.js";
import { inputBytes, wireContext } from "./wire-request.js";

/** Header carrying the end user's own token (the runtime's `USER_TOKEN_HEADER`). */
export const USER_TOKEN_HEADER = "x-ameide-user-token";

/** Gives the calling service's own token (a JWT the runtime trusts), asked once per request so it may rotate. */
export type TokenProvider = () => string | Promise<string>;

/** The wire protocols the runtime speaks. */
export type RuntimeProtocol = "connect" | "grpc" | "grpc-web";

/**
 * The runtime, embedded: what `createRuntime()` of `@ameide-ext/runtime`
 * returns. Only these methods are used, so a test double is easy to write;
 * `invokeExtensionBatch` only by {@link RuntimeClient.invokeMany}.
 */
export interface InProcessRuntime {
  invokeExtension(
    request: InvokeExtensionRequest,
    options?: { timeoutMs?: number | undefined },
  ): Promise<InvokeExtensionResponse>;
  invokeExtensionBatch?(
    request: InvokeExtensionBatchRequest,
    options?: { timeoutMs?: number | undefined },
  ): Promise<InvokeExtensionBatchResponse>;
}

/** Options of {@link createRuntimeClient}. Give exactly one of `baseUrl`, `baseUrls`, `socketPath` and `inProcess`. */
export interface RuntimeClientOptions {
  /** The runtime's URL, e.g. "http://wasm-extension-runtime.ameide-dev:8080". */
  baseUrl?: string | undefined;
  /**
   * Several replicas' URLs (1..32), when the caller reaches them directly rather than through one
   * Service address: each attempt goes to the next in turn; an `unavailable` answer (a connection
   * refused or reset, a replica draining) sets that one aside for `failover.setAsideMs`, and the
   * retry goes to the next (docs/sdk.md, "Several replicas").
   */
  baseUrls?: readonly string[] | undefined;
  /** With `baseUrls`: how long a replica that answered `unavailable` is skipped. Default 2,000 ms. */
  failover?: Pick<EndpointPoolOptions, "setAsideMs"> | undefined;
  /** The runtime's Unix domain socket (spec 479 §10.4), for co-located callers. */
  socketPath?: string | undefined;
  /** An embedded runtime: the same interface, without the network (the CLI, co-located use). */
  inProcess?: InProcessRuntime | undefined;
  /** Wire protocol. Default "connect" (binary). */
  protocol?: RuntimeProtocol | undefined;
  /**
   * What carries Connect calls: the SDK's own lean HTTP client (default: node:http with a keep-alive
   * agent, or connect-node's HTTP/2 session), or connect-node's transport, the one gRPC and gRPC-Web
   * always use. Both give the same results and errors; "connect-node" is a fallback.
   */
  connectClient?: "lean" | "connect-node" | undefined;
  /** HTTP version. Default "2" (h2c, one multiplexed connection); gRPC needs "2". */
  httpVersion?: "1.1" | "2" | undefined;
  /**
   * The largest answer read, in bytes, compressed or decompressed, by every transport (the lean client,
   * connect-node's Connect, gRPC and gRPC-Web): a larger one (a gzip bomb, a runaway runtime) fails with
   * `resource_exhausted` before it fills the caller's memory. Default `DEFAULT_READ_MAX_BYTES`, 128 MiB;
   * an integer from 1 to 0xffffffff.
   */
  readMaxBytes?: number | undefined;
  /** Deadline of each invocation when the call sets none, in milliseconds (at most 2^31 - 1), retries included. Default 5,000. */
  timeoutMs?: number | undefined;
  /** Retries of `unavailable` answers. Default: 3 attempts in all, 20 ms doubling to 250 ms, with jitter. */
  retry?: RetryOptions | undefined;
  /**
   * The calling service's credential, sent as `authorization: Bearer <token>`
   * with each request (each retry asks again). The runtime refuses network
   * calls without one (`unauthenticated/caller_unauthenticated`) unless it
   * trusts a Unix-socket peer or runs insecure_local. Unused in-process: the
   * embedded runtime is trusted code.
   */
  token?: TokenProvider | undefined;
  /** Warns when one business operation (correlation id) calls one extension too often (§10.3). */
  chattiness?: ChattinessOptions | undefined;
}

/** One invocation. */
export interface InvokeOptions<I = unknown> {
  /** The extension's id, within `ctx.tenantId`. */
  extensionId: string;
  /** "3", or "latest". Default "latest". */
  version?: string | undefined;
  /** On whose behalf it runs: build it with userContext(), agentContext() or systemContext(). */
  ctx: ExecutionContext;
  /** The input: serialized with JSON.stringify, unless it is a string or bytes, which are sent as they are (they must be JSON). */
  input: I;
  /** Deadline in milliseconds (at most 2^31 - 1), retries included. Default the client's `timeoutMs`. */
  timeoutMs?: number | undefined;
  /** Cancels the call (and its retries). */
  signal?: AbortSignal | undefined;
  /** The caller's hook point ("orders/BeforeCreateOrder"), named in a chattiness warning. */
  hookPoint?: string | undefined;
  /**
   * Who invokes, for version pins: `process:<id>`, `domain:<domain>/<point>` or `agent:<id>` (the
   * registry's Pin). A pinned consumer's "latest" runs its pinned version. The hook points set it.
   */
  consumerRef?: string | undefined;
  /**
   * The end user's own token (the JWT the user's request came with), sent as
   * {@link USER_TOKEN_HEADER}. The runtime verifies it and refuses a `ctx`
   * whose tenant or user it contradicts (`permission_denied/context_mismatch`);
   * an empty `ctx.userId` is taken from it. Unused in-process.
   */
  userToken?: string | undefined;
}

/** A client of the WasmExtensionRuntime. */
export interface RuntimeClient {
  /**
   * Invokes an extension. Resolves with the output (outcome "ok") or the
   * guest's business error (outcome "business_error"): a business error is
   * an answer, not a failure, so it is returned, never thrown. Throws an
   * ExtensionError with the runtime's code and reason for a technical error
   * (a limit, a trap, not_found, a policy refusal…), after retrying
   * `unavailable` ones within the deadline.
   */
  invoke<O = unknown, I = unknown>(options: InvokeOptions<I>): Promise<InvokeResult<O>>;
  /**
   * Invokes one extension version once per input, in one round trip
   * (InvokeExtensionBatch, spec 479 §10.3): each input runs on its own, with
   * fresh state and its own limits, and has its own answer, in order, read as
   * {@link invoke} reads one, but for a technical error, which is that
   * answer's `error` (outcome "technical_error"), not thrown: one failing
   * input never fails the others. Throws an ExtensionError only when the
   * whole batch is refused: `invalid_argument / batch_size` (no input, or
   * over the runtime's caps: by default 1,000 inputs and 4 MiB), an input
   * that cannot be serialized, `unavailable` after the retries, or the
   * deadline, which bounds the whole batch. Counts as one call for
   * chattiness.
   */
  invokeMany<O = unknown, I = unknown>(
    extensionId: string,
    inputs: readonly I[],
    ctx: ExecutionContext,
    options?: InvokeManyOptions,
  ): Promise<InvokeManyResult<O>>;
  /** Closes the client's connections. */
  close(): void;
  /** Chattiness warnings so far (see RuntimeClientOptions.chattiness). */
  readonly chattyWarnings: number;
}

/** One RPC of the runtime, over whatever carries it: the request, the time left, a signal and the end user's token. */
type Rpc<Req, Res> = (
  req: Req,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  userToken: string | undefined,
) => Promise<Res>;

/** The runtime's two RPCs, over one transport. */
interface Calls {
  /** Resolves with the answer read (readResponse): a technical error thrown. */
  invoke: Rpc<InvokeExtensionRequest, InvokeResult<unknown>>;
  /** Resolves with the batch's answers read (readBatchResponse), one per input sent. */
  invokeBatch: Rpc<InvokeExtensionBatchRequest, InvokeManyResult<unknown>>;
}

/**
 * Adds the active trace context to `headers` (W3C `traceparent` with the
 * default propagator), so the runtime's invocation span continues the
 * caller's trace. Nothing to do, and nothing done, when no span is active.
 */
function injectTraceContext(headers: Record<string, string>): void {
  const active = context.active();
  if (active !== ROOT_CONTEXT) propagation.inject(active, headers);
}

/** The credential headers of one request: the service's token (asked for now) and the end user's. */
async function credentialHeaders(
  token: TokenProvider | undefined,
  userToken: string | undefined,
): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  if (token) {
    let value: string;
    try {
      value = await token();
    } catch (cause) {
      throw new ExtensionError(
        "unauthenticated",
        `the token provider failed: ${(cause as Error).message}`,
        "caller_unauthenticated",
      );
    }
    headers.authorization = `Bearer ${value}`;
  }
  if (userToken !== undefined && userToken !== "") headers[USER_TOKEN_HEADER] = userToken;
  return headers;
}

/** The headers of one network request: its credentials and the active trace context. */
async function requestHeaders(
  token: TokenProvider | undefined,
  userToken: string | undefined,
): Promise<Record<string, string>> {
  const headers = await credentialHeaders(token, userToken);
  injectTraceContext(headers);
  return headers;
}

/**
 * The two RPCs over the SDK's lean Connect client: each request written by its
 * codec, sent as one binary unary call, its answer read by the codec.
 */
function leanConnectCalls(
  options: RuntimeClientOptions,
  baseUrl: string,
  httpVersion: "1.1" | "2",
): { calls: Calls; close: () => void } {
  const client = createBinaryUnaryCall({
    baseUrl,
    httpVersion,
    socketPath: options.socketPath,
    readMaxBytes: options.readMaxBytes,
  });
  const rpc =
    <Req, Res>(codec: RpcCodec<Req, Res>): Rpc<Req, Res> =>
    async (req, timeoutMs, signal, userToken) => {
      const headers = await requestHeaders(options.token, userToken);
      return codec.decode(
        await client.call(codec.path, codec.encode(req), { timeoutMs, signal, headers }),
        req,
      );
    };
  return {
    calls: { invoke: rpc(invokeCodec), invokeBatch: rpc(invokeBatchCodec) },
    close: () => client.close(),
  };
}

function networkCall(
  options: RuntimeClientOptions,
  baseUrl = options.baseUrl ?? "http://localhost",
): { calls: Calls; close: () => void } {
  const protocol = options.protocol ?? "connect";
  const httpVersion = protocol === "grpc" ? "2" : (options.httpVersion ?? "2");
  if (protocol === "grpc" && options.httpVersion === "1.1")
    throw new ExtensionError("invalid_argument", 'gRPC needs HTTP/2; use httpVersion "2"', "invalid_input");
  const connectClient = options.connectClient ?? "lean";
  if (connectClient !== "lean" && connectClient !== "connect-node")
    throw new ExtensionError(
      "invalid_argument",
      `connectClient is ${JSON.stringify(connectClient)}, it must be "lean" or "connect-node"`,
      "invalid_input",
    );
  if (protocol === "connect" && connectClient === "lean")
    return leanConnectCalls(options, baseUrl, httpVersion);
  const socketPath = options.socketPath;
  // connect's own default is 0xffffffff (4 GiB): without the SDK's cap, a gzip bomb inflates in full.
  const readMaxBytes = resolveReadMaxBytes(options.readMaxBytes);
  let transport: Transport;
  let close: () => void;
  if (httpVersion === "2") {
    const session = new Http2SessionManager(
      baseUrl,
      { idleConnectionTimeoutMs: 60_000 },
      socketPath === undefined ? {} : { createConnection: () => netConnect(socketPath) },
    );
    const h2 = { baseUrl, httpVersion: "2" as const, sessionManager: session, readMaxBytes };
    transport =
      protocol === "grpc"
        ? createGrpcTransport(h2)
        : protocol === "grpc-web"
          ? createGrpcWebTransport(h2)
          : createConnectTransport({ ...h2, useBinaryFormat: true });
    close = () => session.abort();
  } else {
    const agent = new Agent({ keepAlive: true });
    const nodeOptions = socketPath === undefined ? { agent } : { agent, socketPath };
    const h1 = { baseUrl, httpVersion: "1.1" as const, nodeOptions, readMaxBytes };
    transport =
      protocol === "grpc-web"
        ? createGrpcWebTransport(h1)
        : createConnectTransport({ ...h1, useBinaryFormat: true });
    close = () => agent.destroy();
  }
  const client = createClient(WasmExtensionRuntime, transport);
  const rpc =
    <Req, Res>(method: (req: Req, o: CallOptions) => Promise<Res>): Rpc<Req, Res> =>
    async (req, timeoutMs, signal, userToken) => {
      const headers = await requestHeaders(options.token, userToken);
      try {
        return await method(req, { timeoutMs, signal, headers });
      } catch (cause) {
        throw fromConnectError(cause);
      }
    };
  return {
    calls: {
      invoke: rpc(async (req, o) => readResponse(await client.invokeExtension(req, o))),
      invokeBatch: rpc(async (req, o) =>
        readBatchResponse(await client.invokeExtensionBatch(req, o), req.inputsJson.length),
      ),
    },
    close,
  };
}

function inProcessCalls(runtime: InProcessRuntime): Calls {
  const rpc =
    <Req, Res>(method: (req: Req, o: { timeoutMs: number }) => Promise<Res>): Rpc<Req, Res> =>
    async (req, timeoutMs, signal) => {
      signal?.throwIfAborted();
      try {
        return await method(req, { timeoutMs });
      } catch (cause) {
        throw ExtensionError.from(cause);
      }
    };
  return {
    invoke: rpc(async (req, o) => readResponse(await runtime.invokeExtension(req, o))),
    invokeBatch: rpc(async (req, o) => {
      if (!runtime.invokeExtensionBatch)
        throw new ExtensionError(
          "failed_precondition",
          "the in-process runtime has no invokeExtensionBatch; give invokeMany a runtime from createRuntime() of @ameide-ext/runtime",
        );
      return readBatchResponse(await runtime.invokeExtensionBatch(req, o), req.inputsJson.length);
    }),
  };
}

/** One transport per replica URL, each checked as a URL first. */
function replicaCalls(
  options: RuntimeClientOptions,
  baseUrls: readonly string[],
): Array<{ calls: Calls; close: () => void }> {
  createEndpointPool(baseUrls.length); // checks the count before any connection is made
  for (const url of baseUrls)
    if (!/^https?:\/\/[^\s/]+/.test(url))
      throw new ExtensionError(
        "invalid_argument",
        `baseUrls has ${JSON.stringify(url)}, each must be an http:// or https:// URL`,
        "invalid_input",
      );
  return baseUrls.map((url) => networkCall({ ...options, socketPath: undefined }, url));
}

/**
 * Creates a client of the WasmExtensionRuntime: over the network (Connect,
 * gRPC or gRPC-Web, on TCP or a Unix domain socket) or in-process, with the
 * same interface and the same results.
 */
export function createRuntimeClient(options: RuntimeClientOptions): RuntimeClient {
  const targets = [options.baseUrl, options.baseUrls, options.socketPath, options.inProcess].filter(
    (t) => t !== undefined,
  );
  if (targets.length !== 1)
    throw new ExtensionError(
      "invalid_argument",
      `give exactly one of baseUrl, baseUrls, socketPath and inProcess (got ${targets.length})`,
      "invalid_input",
    );
  const defaultTimeoutMs = options.timeoutMs ?? 5_000;
  if (!(defaultTimeoutMs > 0 && defaultTimeoutMs <= MAX_TIMEOUT_MS))
    throw new ExtensionError(
      "invalid_argument",
      `timeoutMs is ${defaultTimeoutMs}, it must be a positive number of milliseconds up to ${MAX_TIMEOUT_MS}`,
      "invalid_input",
    );
  const retry = resolveRetry(options.retry);
  const chattiness = createChattinessCounter(options.chattiness);
  const endpoints = options.inProcess
    ? [{ calls: inProcessCalls(options.inProcess), close: () => undefined }]
    : options.baseUrls
      ? replicaCalls(options, options.baseUrls)
      : [networkCall(options)];
  const pool = createEndpointPool(endpoints.length, options.failover);
  const close = () => {
    for (const e of endpoints) e.close();
  };

  /**
   * Runs `attempt` with the time left until the deadline, retrying `unavailable` answers within it;
   * each attempt on the next endpoint in turn, one that answered `unavailable` set aside.
   */
  const withRetries = async <T>(
    timeoutMs: number | undefined,
    signal: AbortSignal | undefined,
    attempt: (remainingMs: number, calls: Calls) => Promise<T>,
  ): Promise<T> => {
    if (timeoutMs !== undefined) checkTimerMs(timeoutMs);
    const deadline = performance.now() + (timeoutMs ?? defaultTimeoutMs);
    for (let n = 1; ; n++) {
      const remaining = Math.floor(deadline - performance.now());
      if (remaining <= 0)
        throw new ExtensionError(
          "deadline_exceeded",
          "the call's deadline passed before the runtime answered",
          "timeout",
        );
      const index = pool.pick();
      try {
        return await attempt(remaining, (endpoints[index] as { calls: Calls }).calls);
      } catch (cause) {
        const err = ExtensionError.from(cause);
        if (err.code === "unavailable" && err.reason !== "circuit_open") pool.setAside(index);
        const delay = retryDelayMs(retry, n, err);
        if (delay === undefined || performance.now() + delay >= deadline || signal?.aborted) throw err;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  };

  return {
    async invoke<O = unknown, I = unknown>(opts: InvokeOptions<I>): Promise<InvokeResult<O>> {
      const ctx = opts.ctx;
      chattiness.count(ctx.correlationId, opts.extensionId, opts.hookPoint);
      const req = create(InvokeExtensionRequestSchema, {
        extensionId: opts.extensionId,
        version: opts.version ?? "latest",
        ctx: wireContext(ctx),
        inputJson: inputBytes(opts.input),
        consumerRef: opts.consumerRef ?? "",
      });
      return withRetries(
        opts.timeoutMs,
        opts.signal,
        async (remaining, calls) =>
          calls.invoke(req, remaining, opts.signal, opts.userToken) as Promise<InvokeResult<O>>,
      );
    },
    async invokeMany<O = unknown, I = unknown>(
      extensionId: string,
      inputs: readonly I[],
      ctx: ExecutionContext,
      opts: InvokeManyOptions = {},
    ): Promise<InvokeManyResult<O>> {
      // One round trip, one call: a batch is what a chatty hook is told to become.
      chattiness.count(ctx.correlationId, extensionId, opts.hookPoint);
      const req = batchRequest(extensionId, inputs, ctx, opts.version, opts.consumerRef);
      return withRetries(
        opts.timeoutMs,
        opts.signal,
        (remaining, calls) =>
          calls.invokeBatch(req, remaining, opts.signal, opts.userToken) as Promise<InvokeManyResult<O>>,
      );
    },
    close,
    get chattyWarnings() {
      return chattiness.warnings;
    },
  };
}

/** The longest delay a Node timer holds: past it, setTimeout fires after 1 ms (and so would the deadline). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Refuses a timeoutMs no timer can wait for: not a number, or over {@link MAX_TIMEOUT_MS} (about 24.8 days). */
function checkTimerMs(timeoutMs: number): void {
  if (Number.isNaN(timeoutMs) || timeoutMs > MAX_TIMEOUT_MS)
    throw new ExtensionError(
      "invalid_argument",
      `timeoutMs is ${timeoutMs}, it must be a number of milliseconds up to ${MAX_TIMEOUT_MS}`,
      "invalid_input",
    );
}

/** The in-process client: `createRuntimeClient({ inProcess: runtime, ...options })`. */
export function createInProcessClient(
  runtime: InProcessRuntime,
  options: Omit<RuntimeClientOptions, "baseUrl" | "baseUrls" | "socketPath" | "inProcess"> = {},
): RuntimeClient {
  return createRuntimeClient({ ...options, inProcess: runtime });
}
