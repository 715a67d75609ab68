// How the runtime's two RPCs are written to and read from the bytes of a
// Connect binary unary call: one small codec per RPC, so a hand-written one can
// take its place.
import { fromConnectError } from "@ameide-ext/contract";
import {
  type InvokeExtensionBatchRequest,
  InvokeExtensionBatchRequestSchema,
  type InvokeExtensionBatchResponse,
  InvokeExtensionBatchResponseSchema,
  type InvokeExtensionRequest,
  InvokeExtensionRequestSchema,
  type InvokeExtensionResponse,
  InvokeExtensionResponseSchema,
  WasmExtensionRuntime,
} from "@ameide-ext/proto";
import { type DescMessage, fromBinary, type MessageShape, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";

/** One RPC's path, and how its request becomes bytes and its answer's bytes a response. */
export interface RpcCodec<Req, Res> {
  /** "/ameide.extensions.v1.WasmExtensionRuntime/InvokeExtension". */
  path: string;
  encode(req: Req): Uint8Array;
  /** Throws ExtensionError `internal` for bytes that are not the response, as connect's transport does. */
  decode(bytes: Uint8Array): Res;
}

/** The generated (protobuf-es) codec of one method. */
function schemaCodec<I extends DescMessage, O extends DescMessage>(
  method: string,
  input: I,
  output: O,
): RpcCodec<MessageShape<I>, MessageShape<O>> {
  return {
    path: `/${WasmExtensionRuntime.typeName}/${method}`,
    encode: (req) => toBinary(input, req),
    decode(bytes) {
      try {
        return fromBinary(output, bytes);
      } catch (e) {
        throw fromConnectError(new ConnectError(`parse binary: ${(e as Error).message}`, Code.Internal));
      }
    },
  };
}

/** InvokeExtension's codec. */
export const invokeCodec: RpcCodec<InvokeExtensionRequest, InvokeExtensionResponse> = schemaCodec(
  WasmExtensionRuntime.method.invokeExtension.name,
  InvokeExtensionRequestSchema,
  InvokeExtensionResponseSchema,
);

/** InvokeExtensionBatch's codec. */
export const invokeBatchCodec: RpcCodec<InvokeExtensionBatchRequest, InvokeExtensionBatchResponse> =
  schemaCodec(
    WasmExtensionRuntime.method.invokeExtensionBatch.name,
    InvokeExtensionBatchRequestSchema,
    InvokeExtensionBatchResponseSchema,
  );
