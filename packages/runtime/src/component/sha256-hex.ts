import { createHash } from "node:crypto";

/** Hex sha256 of `bytes`: the identity of a component or of one of its core modules. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}
