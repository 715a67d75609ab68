import { createHash } from "node:crypto";
import { ExtensionError } from "@ameide-ext/contract";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { parse as parseYaml } from "yaml";
import { type S3Connection, s3ClientConfig } from "../store/s3-settings.js";
import type { CatalogFile } from "./catalog-schema.js";
import { type Catalog, createCatalog } from "./parse-catalog.js";

/** Where a catalog object lives: `s3://<bucket>/<key>`. */
export interface CatalogObjectUrl {
  /** The URL as written. */
  url: string;
  bucket: string;
  key: string;
}

/** The sections a catalog object may carry; the rest (`runtime`, `host_services`) stays in the runtime's config file. */
export const CATALOG_OBJECT_SECTIONS = ["env", "extensions", "latest", "pins"] as const;

/** The most bytes a catalog object may have (the catalog file's own bound: 100,000 entries of ~1 KiB would not fit anyway). */
export const MAX_CATALOG_OBJECT_BYTES = 64 * 1024 * 1024;

const S3_URL = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(\S{1,1024})$/;

/** Parses `s3://<bucket>/<key>`; throws `invalid_argument / invalid_manifest` naming `setting`. */
export function parseCatalogObjectUrl(url: string, setting = "runtime.catalog.source"): CatalogObjectUrl {
  const m = S3_URL.exec(url);
  if (!m)
    throw new ExtensionError(
      "invalid_argument",
      `${setting} is ${JSON.stringify(url)}, it must be s3://<bucket>/<key>, e.g. s3://extensions/catalogs/dev.json`,
      "invalid_manifest",
      { setting },
    );
  return { url, bucket: m[1] as string, key: m[2] as string };
}

/** An S3 client for catalog objects: the runtime's S3 connection, one attempt per poll (the next poll is the retry). */
export function createCatalogObjectClient(connection: S3Connection, timeoutMs: number): S3Client {
  return new S3Client({
    ...s3ClientConfig(connection),
    maxAttempts: 1,
    requestHandler: { connectionTimeout: Math.min(timeoutMs, 2_000), requestTimeout: timeoutMs },
  });
}

/**
 * The user metadata in which the registry writes the sha256 of a catalog object's bytes
 * (`x-amz-meta-catalog-sha256`); a read whose bytes differ from it is torn, not invalid.
 */
export const CATALOG_SHA256_METADATA = "catalog-sha256";

/** What one conditional GET of a catalog object gave. */
export type CatalogObjectFetch =
  | { status: "changed"; text: string; etag: string | undefined }
  | { status: "not_modified" }
  | { status: "missing" };

/**
 * GETs a catalog object, conditionally when `etag` is given (If-None-Match):
 * an unchanged object costs a 304 and no body. A missing object (or bucket)
 * is `missing`; anything else that fails throws `unavailable /
 * store_unavailable`, with the S3 error's name in `details.error`. So does a
 * body whose sha256 differs from the object's {@link CATALOG_SHA256_METADATA}
 * (`details.error: "torn_read"`): a read that raced a write (s3rver, unlike
 * S3 and MinIO, rewrites an object in place) or was cut short, which the
 * next poll reads again, never a catalog to refuse.
 */
export async function fetchCatalogObject(
  client: S3Client,
  where: CatalogObjectUrl,
  etag: string | undefined,
  timeoutMs: number,
): Promise<CatalogObjectFetch> {
  try {
    const out = await client.send(
      new GetObjectCommand({
        Bucket: where.bucket,
        Key: where.key,
        ...(etag !== undefined ? { IfNoneMatch: etag } : {}),
      }),
      { abortSignal: AbortSignal.timeout(timeoutMs) },
    );
    if ((out.ContentLength ?? 0) > MAX_CATALOG_OBJECT_BYTES) {
      await out.Body?.transformToWebStream().cancel();
      throw new ExtensionError(
        "unavailable",
        `catalog ${where.url} is ${out.ContentLength} bytes, the limit is ${MAX_CATALOG_OBJECT_BYTES}`,
        "store_unavailable",
        { source: where.url, error: "too_large" },
      );
    }
    const bytes = (await out.Body?.transformToByteArray()) ?? new Uint8Array();
    const expected = out.Metadata?.[CATALOG_SHA256_METADATA];
    if (expected !== undefined && createHash("sha256").update(bytes).digest("hex") !== expected)
      throw new ExtensionError(
        "unavailable",
        `catalog ${where.url} was read torn: its ${bytes.length} bytes do not match its ${CATALOG_SHA256_METADATA} ${expected}; it is read again on the next poll`,
        "store_unavailable",
        { source: where.url, error: "torn_read" },
      );
    return { status: "changed", text: new TextDecoder().decode(bytes), etag: out.ETag };
  } catch (cause) {
    if (cause instanceof ExtensionError) throw cause;
    const name = cause instanceof Error ? cause.name : "Error";
    const status = (cause as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 304 || name === "NotModified") return { status: "not_modified" };
    if (status === 404 || name === "NoSuchKey" || name === "NoSuchBucket" || name === "NotFound")
      return { status: "missing" };
    throw new ExtensionError(
      "unavailable",
      `catalog ${where.url} cannot be read (${name}${cause instanceof Error && cause.message ? `: ${cause.message}` : ""}); the catalog in force stays`,
      "store_unavailable",
      { source: where.url, error: name },
    );
  }
}

/**
 * Builds the catalog in force from the runtime's config file (`base`: its
 * `runtime` and `host_services`) and a catalog object's text (its `env`,
 * `extensions`, `latest` and consumers' `pins`), with every check of parseCatalog. Refuses,
 * `invalid_argument / invalid_manifest`: text that is not a JSON/YAML object,
 * an object with other sections (settings and host endpoints are the
 * runtime's own, never the registry's), and an object for another
 * environment than the config file's `env`.
 */
export function catalogFromObject(base: CatalogFile, text: string, source: string): Catalog {
  let doc: unknown;
  try {
    doc = parseYaml(text, { uniqueKeys: true });
  } catch (cause) {
    throw refused(source, "", `does not parse: ${(cause as Error).message}`);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc))
    throw refused(source, "", "must be an object with env, extensions and latest");
  const object = doc as Record<string, unknown>;
  const extra = Object.keys(object).filter(
    (k) => !(CATALOG_OBJECT_SECTIONS as readonly string[]).includes(k),
  );
  if (extra.length > 0)
    throw refused(
      source,
      `/${extra[0]}`,
      `is not allowed in a catalog object (only ${CATALOG_OBJECT_SECTIONS.join(", ")}): runtime settings and host_services belong to the runtime's config file`,
    );
  if (object.extensions === undefined)
    throw refused(
      source,
      "/extensions",
      "is missing: a catalog object lists every extension version it serves",
    );
  if (base.env !== undefined && object.env !== undefined && object.env !== base.env)
    throw refused(
      source,
      "/env",
      `is ${JSON.stringify(object.env)}, but this runtime serves ${JSON.stringify(base.env)}: point runtime.catalog.source at catalogs/${base.env}.json`,
    );
  const merged: Record<string, unknown> = { ...base, ...object };
  if (object.latest === undefined) delete merged.latest;
  if (object.pins === undefined) delete merged.pins;
  if (merged.env === undefined) delete merged.env;
  return createCatalog(merged as unknown as CatalogFile, { source });
}

function refused(source: string, path: string, message: string): ExtensionError {
  return new ExtensionError(
    "invalid_argument",
    `${source} is not a valid catalog: ${path || "/"} ${message}`,
    "invalid_manifest",
    { source, problems: [{ path, message }] },
  );
}
