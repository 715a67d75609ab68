// How the runtime's two RPCs are written to and read from the bytes of a
// Connect binary unary call: the SDK's own codecs (encode-request.ts,
// read-answer.ts), which read an answer straight into the SDK's results.
import {
  type InvokeExtensionBatchRequest,
  type InvokeExtensionRequest,
  WasmExtensionRuntime,
} from "@ameide-ext/proto";
import { encodeBatchRequest, encodeInvokeRequest } from "../encode-request.js";
import type { InvokeManyResult } from "../invoke-many.js";
import { readBatchAnswer, readInvokeAnswer } from "../read-answer.js";
import type { InvokeResult } from "../read-response.js";

/** One RPC's path, how its request becomes bytes, and how its answer's bytes are read. */
export interface RpcCodec<Req, Res> {
  /** "/ameide.extensions.v1.WasmExtensionRuntime/InvokeExtension". */
  path: string;
  encode(req: Req): Uint8Array;
  /** Throws ExtensionError `internal / invalid_output` for bytes that are not the answer (see read-answer.ts). */
  decode(bytes: Uint8Array, req: Req): Res;
}

const pathOf = (method: string) => `/${WasmExtensionRuntime.typeName}/${method}`;

/** InvokeExtension's codec: a technical error answered is thrown, as readResponse does. */
export const invokeCodec: RpcCodec<InvokeExtensionRequest, InvokeResult<unknown>> = {
  path: pathOf(WasmExtensionRuntime.method.invokeExtension.name),
  encode: encodeInvokeRequest,
  decode: (bytes) => readInvokeAnswer(bytes),
};

/** InvokeExtensionBatch's codec: one answer per input sent, as readBatchResponse reads them. */
export const invokeBatchCodec: RpcCodec<InvokeExtensionBatchRequest, InvokeManyResult<unknown>> = {
  path: pathOf(WasmExtensionRuntime.method.invokeExtensionBatch.name),
  encode: encodeBatchRequest,
  decode: (bytes, req) => readBatchAnswer(bytes, req.inputsJson.length),
};
