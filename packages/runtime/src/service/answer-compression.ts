import { promisify } from "node:util";
import { brotliCompress, constants } from "node:zlib";
import type { Compression } from "@connectrpc/connect/protocol";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";

/**
 * Brotli's quality for the runtime's answers. zlib's default, 11, spends
 * about a second of a libuv thread per MiB-sized answer (an answer over 1 MiB
 * is compressed for a caller that accepts it): a caller asking for `br` on
 * large batches could keep the thread pool (module fetches, file reads) busy
 * at will. Quality 4 compresses such an answer in milliseconds, a little
 * larger than gzip's.
 */
export const ANSWER_BROTLI_QUALITY = 4;

const brotli = promisify(brotliCompress);

/** Brotli as connect-node's, but compressing at {@link ANSWER_BROTLI_QUALITY}. */
export const compressionBrotliAnswers: Compression = {
  name: "br",
  compress: (bytes) =>
    brotli(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: ANSWER_BROTLI_QUALITY } }).then(
      (b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength),
    ),
  decompress: compressionBrotli.decompress,
};

/** What the runtime server accepts and answers with, in its order of preference: Connect's and the binary lane's. */
export const ANSWER_COMPRESSION: readonly Compression[] = [compressionGzip, compressionBrotliAnswers];
