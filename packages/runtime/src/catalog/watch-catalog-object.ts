import { createHash } from "node:crypto";
import { ExtensionError } from "@ameide-ext/contract";
import type { S3Client } from "@aws-sdk/client-s3";
import { type CatalogObjectUrl, catalogFromObject, fetchCatalogObject } from "./catalog-object.js";
import type { CatalogFile } from "./catalog-schema.js";
import type { Catalog } from "./parse-catalog.js";
import type { CatalogWatch } from "./watch-catalog-file.js";

/** Options of {@link watchCatalogObject}. */
export interface WatchCatalogObjectOptions {
  /** The catalog object, `s3://<bucket>/<key>`. */
  where: CatalogObjectUrl;
  /** The S3 client (see createCatalogObjectClient); closed by {@link CatalogWatch.close}. */
  client: S3Client;
  /** The runtime's config file: its `runtime` and `host_services` go with each object's entries. */
  base: CatalogFile;
  /** The ETag of the object in force (unset: none yet), sent as If-None-Match. */
  etag: string | undefined;
  /** Time between two polls, in milliseconds, before jitter. */
  pollIntervalMs: number;
  /** Up to this much more, at random, is added to each wait, so replicas do not poll in step. */
  pollJitterMs: number;
  /** Time one GET may take, in milliseconds. */
  fetchTimeoutMs: number;
  /** Checks a catalog against what the runtime allows; what it throws goes to `onInvalid`. */
  check?: ((catalog: Catalog) => void) | undefined;
  /** Called with each new valid catalog. */
  onCatalog: (catalog: Catalog) => void;
  /** Called when a changed object is not a valid catalog; the catalog in force stays. */
  onInvalid: (error: ExtensionError) => void;
  /** Called when a GET fails or the object is gone; the catalog in force stays. */
  onFetchFailed: (error: ExtensionError) => void;
  /** Called after each GET that worked (changed or not). */
  onFetched?: (() => void) | undefined;
  /** A number in [0, 1), for the jitter. Default Math.random. */
  random?: () => number;
}

/**
 * Polls a catalog object in S3 / MinIO with conditional GETs: every
 * `pollIntervalMs` + up to `pollJitterMs`, a GET with If-None-Match of the
 * ETag in force; a 304 does nothing. A changed object is checked
 * (catalogFromObject, then `check`): a valid one goes to `onCatalog` and its
 * ETag is the one asked with from then on; an invalid one goes to
 * `onInvalid` once (its sha256 is remembered, so it is not refused again on
 * every poll, though it is read again until a good one replaces it). A failed GET (a torn read
 * included: see fetchCatalogObject), or an object gone after one was read, goes to
 * `onFetchFailed`, and the next poll tries again; an object not there yet is no failure. In every failure
 * the catalog in force stays.
 */
export function watchCatalogObject(options: WatchCatalogObjectOptions): CatalogWatch {
  const { where, client, base, onCatalog, onInvalid, onFetchFailed } = options;
  const random = options.random ?? Math.random;
  let etag = options.etag;
  let seenOne = etag !== undefined;
  let lastInvalidHash: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;

  const poll = async (): Promise<void> => {
    let got: Awaited<ReturnType<typeof fetchCatalogObject>>;
    try {
      got = await fetchCatalogObject(client, where, etag, options.fetchTimeoutMs);
    } catch (cause) {
      onFetchFailed(ExtensionError.from(cause));
      return;
    }
    if (got.status === "not_modified") {
      options.onFetched?.();
      return;
    }
    if (got.status === "missing") {
      // Not published yet (the registry writes it on the first promotion): nothing has failed.
      if (!seenOne) return;
      onFetchFailed(
        new ExtensionError(
          "unavailable",
          `catalog ${where.url} is not in the bucket; the catalog in force stays`,
          "store_unavailable",
          { source: where.url, error: "NoSuchKey" },
        ),
      );
      return;
    }
    options.onFetched?.();
    seenOne = true;
    const hash = createHash("sha256").update(got.text).digest("hex");
    if (hash === lastInvalidHash) return;
    let catalog: Catalog;
    try {
      catalog = catalogFromObject(base, got.text, where.url);
      options.check?.(catalog);
    } catch (cause) {
      lastInvalidHash = hash;
      onInvalid(ExtensionError.from(cause));
      return;
    }
    // Only a good object's ETag goes in If-None-Match: a refused one is read again on the next poll (and
    // told apart by its hash, so refused once), in case what was read was torn (s3rver, unlike S3 and
    // MinIO, can serve an object half-written) and the next read is whole.
    etag = got.etag;
    lastInvalidHash = undefined;
    if (!closed) onCatalog(catalog);
  };

  const run = (): Promise<void> => {
    if (closed) return Promise.resolve();
    running ??= poll().finally(() => {
      running = undefined;
    });
    return running;
  };

  const schedule = () => {
    if (closed) return;
    const wait = options.pollIntervalMs + Math.floor(random() * options.pollJitterMs);
    timer = setTimeout(() => void run().finally(schedule), wait);
    timer.unref();
  };
  schedule();

  return {
    check() {
      return run();
    },
    close() {
      closed = true;
      clearTimeout(timer);
      client.destroy();
    },
  };
}
