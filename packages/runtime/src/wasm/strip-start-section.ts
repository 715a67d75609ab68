import { createByteReader } from "./byte-reader.js";

/** The start section's id in a core module. */
const START_SECTION = 8;

/**
 * A core module's bytes without its start section, or undefined when it has
 * none. The engine makes every instance after the first from such a module
 * and restores the first one's snapshot into it: the start function runs once
 * per loaded extension, never again per invocation. The bytes are those of a
 * module the instrumenter wrote, so they are well-formed.
 */
export function stripStartSection(bytes: Uint8Array): Uint8Array<ArrayBuffer> | undefined {
  const r = createByteReader(bytes, 8);
  while (!r.eof()) {
    const at = r.pos;
    const id = r.u8();
    const size = r.u32();
    const end = r.pos + size;
    if (id === START_SECTION) {
      const out = new Uint8Array(bytes.length - (end - at));
      out.set(bytes.subarray(0, at), 0);
      out.set(bytes.subarray(end), at);
      return out;
    }
    r.pos = end;
  }
  return undefined;
}
