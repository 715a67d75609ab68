/**
 * `npm run bench:compression`: what compressing a large batch answer costs a
 * libuv thread, the runtime's compressions (ANSWER_COMPRESSION: gzip, brotli
 * at quality 4) beside brotli at zlib's default quality 11 (what Connect's
 * own brotli used), same run, alternating. The answer: the JSON outputs of
 * 16,000 invoice lines (~0.8 MB), the size of a batch answered over 1 MiB
 * once framed. Prints ms per answer (median) and the compressed size.
 */
import { brotliCompressSync, constants } from "node:zlib";
import { ANSWER_COMPRESSION } from "@ameide-ext/runtime/internal";
import { invoiceLines, priceLine } from "./invoice-line.js";
import { median } from "./median.js";

const answer = Buffer.from(
  invoiceLines(16_000)
    .map((l) => JSON.stringify(priceLine(l)))
    .join(""),
);
const ways: Array<[string, (b: Uint8Array) => Promise<Uint8Array>]> = [
  [
    "brotli, quality 11 (zlib's default)",
    async (b) => brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
  ],
  ...ANSWER_COMPRESSION.map((c): [string, (b: Uint8Array) => Promise<Uint8Array>] => [
    `${c.name} (the runtime's)`,
    (b) => c.compress(b),
  ]),
];
const times = new Map<string, number[]>(ways.map(([name]) => [name, []]));
const sizes = new Map<string, number>();
for (let round = 0; round < 5; round++) {
  for (const [name, compress] of ways) {
    const t = performance.now();
    const out = await compress(answer);
    (times.get(name) as number[]).push(performance.now() - t);
    sizes.set(name, out.byteLength);
  }
}
process.stdout.write(`answer of ${answer.byteLength} bytes, median of 5 rounds:\n`);
for (const [name] of ways)
  process.stdout.write(
    `  ${name.padEnd(38)} ${median(times.get(name) as number[]).toFixed(1)} ms, ${sizes.get(name)} bytes\n`,
  );
