import { brotliCompressSync, brotliDecompressSync, constants } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ANSWER_BROTLI_QUALITY, ANSWER_COMPRESSION, compressionBrotliAnswers } from "./answer-compression.js";

/** A batch answer's worth of JSON outputs, ~1.2 MiB. */
const answer = new TextEncoder().encode(
  Array.from({ length: 16_000 }, (_, i) => `{"lineId":"L-${i}","net":${i * 3.5},"tax":${i * 0.7}}`).join(""),
);

describe("the runtime's answer compression", () => {
  it("compresses with brotli at quality 4, not zlib's 11 (a second of a libuv thread per large answer)", async () => {
    expect(ANSWER_BROTLI_QUALITY).toBe(4);
    const ours = await compressionBrotliAnswers.compress(answer);
    const atFour = brotliCompressSync(answer, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } });
    expect(Buffer.from(ours).equals(atFour)).toBe(true);
    expect(Buffer.from(brotliDecompressSync(ours)).equals(Buffer.from(answer))).toBe(true);
  });

  it("offers gzip first, then brotli, and reads both back", async () => {
    expect(ANSWER_COMPRESSION.map((c) => c.name)).toEqual(["gzip", "br"]);
    for (const c of ANSWER_COMPRESSION) {
      const back = await c.decompress(await c.compress(answer), 4 * 1024 * 1024);
      expect(Buffer.from(back).equals(Buffer.from(answer))).toBe(true);
    }
  });
});
