import { hostErrorPayload } from "../engine/invoke/host-call-gate.js";
import type { ExecutionContext } from "../engine/types.js";
import type { ConnectHostCaller } from "../host/connect-host-caller.js";
import type { RecordedHostCall } from "./invocation-recording.js";

/** The host calls of invocations, by the invocation's context object (one per InvokeExtension). */
export interface HostCallTapes {
  /** The host caller to give the dispatch: each handler it makes keeps its calls, and their answers, in order. */
  readonly hostCaller: ConnectHostCaller;
  /** The calls made under `ctx` so far; empty when none (a low-tier invocation makes none). */
  callsOf(ctx: ExecutionContext | undefined): RecordedHostCall[];
}

const NONE: RecordedHostCall[] = [];

/**
 * Wraps a host caller so each invocation's host calls are kept with the answer
 * the guest got (the response's JSON text, or the error payload the engine
 * hands it), for its recording. Kept per context object in a WeakMap: nothing
 * outlives the invocation unless a recording takes it.
 */
export function tapeHostCalls(inner: ConnectHostCaller): HostCallTapes {
  const tapes = new WeakMap<ExecutionContext, RecordedHostCall[]>();
  return {
    hostCaller: {
      handlerFor(invocation) {
        const handler = inner.handlerFor(invocation);
        const tape: RecordedHostCall[] = [];
        tapes.set(invocation.ctx, tape);
        return async (call) => {
          const entry: RecordedHostCall = {
            service: call.service,
            method: call.method,
            request_json: call.requestJson,
          };
          tape.push(entry);
          try {
            const answer = await handler(call);
            entry.response_json = answer;
            return answer;
          } catch (cause) {
            entry.error = JSON.parse(hostErrorPayload(cause)) as { code: string; message: string };
            throw cause;
          }
        };
      },
    },
    callsOf(ctx) {
      return (ctx && tapes.get(ctx)) ?? NONE;
    },
  };
}
