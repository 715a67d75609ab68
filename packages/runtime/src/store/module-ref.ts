import { isAbsolute } from "node:path";
import { fileURLToPath } from "node:url";
import { ExtensionError } from "@ameide-ext/contract";

/** A parsed `wasm_blob_ref`. */
export type ModuleRef =
  | {
      /** A file on the runtime's disk: `file:///abs/path.wasm`, or a path relative to the store's root. */
      scheme: "file";
      /** The path as written: absolute, or relative to the store root. */
      path: string;
      /** Lowercase hex sha256 the module must have. */
      sha256: string;
      /** The ref as written. */
      ref: string;
    }
  | {
      /** An object in S3 / MinIO: `s3://<bucket>/<key>`. */
      scheme: "s3";
      bucket: string;
      key: string;
      sha256: string;
      ref: string;
    };

const SHA256 = /^[0-9a-f]{64}$/;

function refused(ref: string, why: string): ExtensionError {
  return new ExtensionError(
    "invalid_argument",
    `wasm_blob_ref ${JSON.stringify(ref)} ${why}`,
    "invalid_manifest",
    {
      ref,
    },
  );
}

/**
 * Parses a `wasm_blob_ref`. Every ref carries the module's checksum in its
 * fragment, `#sha256=<64 lowercase hex>`, which the runtime verifies before it
 * runs the module (spec 479 §3.5). Accepted forms:
 * - `s3://extensions/<tenant>/<extension>/<version>.wasm#sha256=…`
 * - `file:///abs/path/x.wasm#sha256=…`
 * - `acme/deal-approval/3.wasm#sha256=…`: relative to the file store's root.
 *
 * Throws `invalid_argument/invalid_manifest` for anything else.
 */
export function parseModuleRef(ref: string): ModuleRef {
  const hash = ref.indexOf("#");
  if (hash < 0) throw refused(ref, "has no checksum: append #sha256=<64 hex digits>");
  const location = ref.slice(0, hash);
  const fragment = ref.slice(hash + 1);
  const m = /^sha256=(.*)$/.exec(fragment);
  const sha256 = m?.[1]?.toLowerCase() ?? "";
  if (!SHA256.test(sha256)) throw refused(ref, "must end with #sha256=<64 hex digits>");
  if (location.startsWith("s3://")) {
    const rest = location.slice("s3://".length);
    const slash = rest.indexOf("/");
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const key = slash < 0 ? "" : rest.slice(slash + 1);
    if (!/^[a-z0-9][a-z0-9.-]{1,62}$/.test(bucket)) throw refused(ref, "names no valid bucket");
    if (key === "" || key.endsWith("/")) throw refused(ref, "names no object key");
    return { scheme: "s3", bucket, key: decodeURIComponent(key), sha256, ref };
  }
  if (location.startsWith("file:")) {
    let path: string;
    try {
      path = fileURLToPath(location);
    } catch {
      throw refused(ref, "is not a valid file URL (use file:///absolute/path)");
    }
    return { scheme: "file", path, sha256, ref };
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(location))
    throw refused(ref, "has a scheme the runtime does not read (s3:// or file://)");
  if (location === "" || isAbsolute(location) || location.split(/[\\/]/).includes(".."))
    throw refused(ref, "must be a path relative to the store root, without '..'");
  return { scheme: "file", path: location, sha256, ref };
}
