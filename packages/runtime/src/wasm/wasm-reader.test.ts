import { ExtensionError } from "@ameide-ext/contract";
import { describe, expect, it } from "vitest";
import { createByteWriter } from "./byte-writer.js";
import { createByteReader, u32At } from "./wasm-reader.js";

describe("u32At()", () => {
  it("reads the LEB128 u32 at an offset as a reader's u32() does, for each length of encoding", () => {
    for (const value of [0, 1, 127, 128, 16_383, 16_384, 2 ** 21, 2 ** 28, 2 ** 32 - 1]) {
      const w = createByteWriter();
      w.u8(0xfc);
      w.u32(value);
      const bytes = w.finish();
      expect(u32At(bytes, 1)).toBe(value);
      expect(u32At(bytes, 1)).toBe(createByteReader(bytes, 1).u32());
    }
  });

  it("refuses an encoding that runs past the end or past five bytes with invalid_argument/invalid_module", () => {
    for (const bytes of [
      Uint8Array.of(0x10, 0x80),
      Uint8Array.of(0x10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01),
    ]) {
      const err = (() => {
        try {
          u32At(bytes, 1);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(ExtensionError.from(err)).toMatchObject({ code: "invalid_argument", reason: "invalid_module" });
    }
  });
});
