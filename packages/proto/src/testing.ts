/**
 * `@ameide-ext/proto/testing`: contracts used only by tests and benchmarks,
 * e.g. the stand-in CRM domain API that host calls reach. Not a product
 * surface.
 */

// ameide.testing.v1: a stand-in domain API with row-level security, for host-call tests.
export * from "./gen/ameide/testing/v1/crm_pb.js";
