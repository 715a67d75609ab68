import { Agent } from "node:http";
import { connect as netConnect } from "node:net";
import type { ExecutionContext } from "@ameide-ext/contract";
import { ExtensionError, fromConnectError } from "@ameide-ext/contract";
import {
  type InvokeExtensionRequest,
  InvokeExtensionRequestSchema,
  type InvokeExtensionResponse,
  WasmExtensionRuntime,
} from "@ameide-ext/proto";
import { create } from "@bufbuild/protobuf";
import { createClient, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
  Http2SessionManager,
} from "@connectrpc/connect-node";
import { type ChattinessOptions, createChattinessCounter } from "./chattiness.js";
import { type InvokeResult, readResponse } from "./read-response.js";
import { type RetryOptions, resolveRetry, retryDelayMs } from "./retry.js";

/** Header carrying the end user's own token (the runtime's `USER_TOKEN_HEADER`). */
export const USER_TOKEN_HEADER = "x-ameide-user-token";

/** Gives the calling service's own token (a JWT the runtime trusts), asked once per request so it may rotate. */
export type TokenProvider = () => string | Promise<string>;

/** The wire protocols the runtime speaks. */
export type RuntimeProtocol = "connect" | "grpc" | "grpc-web";

/**
 * The runtime, embedded: what `createRuntime()` of `@ameide-ext/runtime`
 * returns. Only this method is used, so a test double is easy to write.
 */
export interface InProcessRuntime {
  invokeExtension(
    request: InvokeExtensionRequest,
    options?: { timeoutMs?: number | undefined },
  ): Promise<InvokeExtensionResponse>;
}

/** Options of {@link createRuntimeClient}. Give exactly one of `baseUrl`, `socketPath` and `inProcess`. */
export interface RuntimeClientOptions {
  /** The runtime's URL, e.g. "http://wasm-extension-runtime.ameide-dev:8080". */
  baseUrl?: string | undefined;
  /** The runtime's Unix domain socket (spec 479 §10.4), for co-located callers. */
  socketPath?: string | undefined;
  /** An embedded runtime: the same interface, without the network (the CLI, co-located use). */
  inProcess?: InProcessRuntime | undefined;
  /** Wire protocol. Default "connect" (binary). */
  protocol?: RuntimeProtocol | undefined;
  /** HTTP version. Default "2" (h2c, one multiplexed connection); gRPC needs "2". */
  httpVersion?: "1.1" | "2" | undefined;
  /** Deadline of each invocation when the call sets none, in milliseconds, retries included. Default 5,000. */
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
  /** Deadline in milliseconds, retries included. Default the client's `timeoutMs`. */
  timeoutMs?: number | undefined;
  /** Cancels the call (and its retries). */
  signal?: AbortSignal | undefined;
  /** The caller's hook point ("orders/BeforeCreateOrder"), named in a chattiness warning. */
  hookPoint?: string | undefined;
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
  /** Closes the client's connections. */
  close(): void;
  /** Chattiness warnings so far (see RuntimeClientOptions.chattiness). */
  readonly chattyWarnings: number;
}

const encoder = new TextEncoder();

function inputBytes(input: unknown): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (typeof input === "string") return encoder.encode(input);
  const text = JSON.stringify(input);
  if (text === undefined)
    throw new ExtensionError("invalid_argument", "input cannot be serialized as JSON", "invalid_input");
  return encoder.encode(text);
}

type Call = (
  req: InvokeExtensionRequest,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  userToken: string | undefined,
) => Promise<InvokeExtensionResponse>;

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

function networkCall(options: RuntimeClientOptions): { call: Call; close: () => void } {
  const protocol = options.protocol ?? "connect";
  const httpVersion = protocol === "grpc" ? "2" : (options.httpVersion ?? "2");
  if (protocol === "grpc" && options.httpVersion === "1.1")
    throw new ExtensionError("invalid_argument", 'gRPC needs HTTP/2; use httpVersion "2"', "invalid_input");
  const baseUrl = options.baseUrl ?? "http://localhost";
  const socketPath = options.socketPath;
  let transport: Transport;
  let close: () => void;
  if (httpVersion === "2") {
    const session = new Http2SessionManager(
      baseUrl,
      { idleConnectionTimeoutMs: 60_000 },
      socketPath === undefined ? {} : { createConnection: () => netConnect(socketPath) },
    );
    const h2 = { baseUrl, httpVersion: "2" as const, sessionManager: session };
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
    const h1 = { baseUrl, httpVersion: "1.1" as const, nodeOptions };
    transport =
      protocol === "grpc-web"
        ? createGrpcWebTransport(h1)
        : createConnectTransport({ ...h1, useBinaryFormat: true });
    close = () => agent.destroy();
  }
  const client = createClient(WasmExtensionRuntime, transport);
  return {
    call: async (req, timeoutMs, signal, userToken) => {
      const headers = await credentialHeaders(options.token, userToken);
      try {
        return await client.invokeExtension(req, { timeoutMs, signal, headers });
      } catch (cause) {
        throw fromConnectError(cause);
      }
    },
    close,
  };
}

function inProcessCall(runtime: InProcessRuntime): Call {
  return async (req, timeoutMs, signal) => {
    signal?.throwIfAborted();
    try {
      return await runtime.invokeExtension(req, { timeoutMs });
    } catch (cause) {
      throw ExtensionError.from(cause);
    }
  };
}

/**
 * Creates a client of the WasmExtensionRuntime: over the network (Connect,
 * gRPC or gRPC-Web, on TCP or a Unix domain socket) or in-process, with the
 * same interface and the same results.
 */
export function createRuntimeClient(options: RuntimeClientOptions): RuntimeClient {
  const targets = [options.baseUrl, options.socketPath, options.inProcess].filter((t) => t !== undefined);
  if (targets.length !== 1)
    throw new ExtensionError(
      "invalid_argument",
      `give exactly one of baseUrl, socketPath and inProcess (got ${targets.length})`,
      "invalid_input",
    );
  const defaultTimeoutMs = options.timeoutMs ?? 5_000;
  if (!Number.isFinite(defaultTimeoutMs) || defaultTimeoutMs <= 0)
    throw new ExtensionError(
      "invalid_argument",
      `timeoutMs is ${defaultTimeoutMs}, it must be positive`,
      "invalid_input",
    );
  const retry = resolveRetry(options.retry);
  const chattiness = createChattinessCounter(options.chattiness);
  const { call, close } = options.inProcess
    ? { call: inProcessCall(options.inProcess), close: () => undefined }
    : networkCall(options);

  return {
    async invoke<O = unknown, I = unknown>(opts: InvokeOptions<I>): Promise<InvokeResult<O>> {
      const ctx = opts.ctx;
      chattiness.count(ctx.correlationId, opts.extensionId, opts.hookPoint);
      const req = create(InvokeExtensionRequestSchema, {
        extensionId: opts.extensionId,
        version: opts.version ?? "latest",
        ctx: {
          tenantId: ctx.tenantId,
          orgId: ctx.orgId ?? "",
          userId: ctx.userId ?? "",
          actorType: ctx.actorType ?? "",
          sessionId: ctx.sessionId ?? "",
          correlationId: ctx.correlationId ?? "",
          env: ctx.env ?? "",
          riskTier: ctx.riskTier ?? "",
        },
        inputJson: inputBytes(opts.input),
      });
      const deadline = performance.now() + (opts.timeoutMs ?? defaultTimeoutMs);
      for (let attempt = 1; ; attempt++) {
        const remaining = Math.floor(deadline - performance.now());
        if (remaining <= 0)
          throw new ExtensionError(
            "deadline_exceeded",
            "the call's deadline passed before the runtime answered",
            "timeout",
          );
        try {
          return readResponse<O>(await call(req, remaining, opts.signal, opts.userToken));
        } catch (cause) {
          const err = ExtensionError.from(cause);
          const delay = retryDelayMs(retry, attempt, err);
          if (delay === undefined || performance.now() + delay >= deadline || opts.signal?.aborted) throw err;
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    },
    close,
    get chattyWarnings() {
      return chattiness.warnings;
    },
  };
}

/** The in-process client: `createRuntimeClient({ inProcess: runtime, ...options })`. */
export function createInProcessClient(
  runtime: InProcessRuntime,
  options: Omit<RuntimeClientOptions, "baseUrl" | "socketPath" | "inProcess"> = {},
): RuntimeClient {
  return createRuntimeClient({ ...options, inProcess: runtime });
}
