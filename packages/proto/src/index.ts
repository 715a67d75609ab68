/**
 * The protobuf contracts of ameide-ext (spec 479), as protobuf-es v2 schemas
 * and types. `proto/` at the repo root is the source of truth; everything
 * re-exported here is generated into `src/gen/` by `npx buf generate` and
 * committed. Use the schemas with `create`, `toBinary`, `fromBinary`,
 * `toJson` and `fromJson` from `@bufbuild/protobuf`.
 *
 * The re-exports are wholesale because the generated files are the public
 * surface: every message, enum and service of the contracts, nothing else.
 */

// ameide.extensions.v1: the runtime RPC and the extension model.
export * from "./gen/ameide/extensions/v1/domain_extension_config_pb.js";
export * from "./gen/ameide/extensions/v1/environment_pb.js";
export * from "./gen/ameide/extensions/v1/execution_context_pb.js";
export * from "./gen/ameide/extensions/v1/extension_definition_pb.js";
export * from "./gen/ameide/extensions/v1/runtime_pb.js";
// ameide.transformation.v1: the lifecycle API of the Transformation Domain primitive.
export * from "./gen/ameide/transformation/v1/extension_service_pb.js";
// grpc.health.v1: the standard gRPC health protocol, which the runtime serves next to its own service.
export * from "./gen/grpc/health/v1/health_pb.js";
