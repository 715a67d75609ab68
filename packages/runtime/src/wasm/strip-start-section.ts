import { SectionId, sections } from "./wasm-reader.js";

/**
 * A core module's bytes without its start section, or undefined when it has
 * none. The engine makes every instance after the first from such a module
 * and restores the first one's snapshot into it: the start function runs once
 * per loaded extension, never again per invocation. The bytes are those of a
 * module the instrumenter wrote, so they are well-formed.
 */
export function stripStartSection(bytes: Uint8Array): Uint8Array<ArrayBuffer> | undefined {
  for (const { id, header, end } of sections(bytes)) {
    if (id === SectionId.Start) {
      const out = new Uint8Array(bytes.length - (end - header));
      out.set(bytes.subarray(0, header), 0);
      out.set(bytes.subarray(end), header);
      return out;
    }
  }
  return undefined;
}
