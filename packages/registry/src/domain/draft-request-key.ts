import { createHash } from "node:crypto";
import { ExtensionError } from "@ameide-ext/contract";
import type { CreateDraftInput } from "./registry.js";

/** The longest CreateDraft `request_id`, in characters: enough for a UUID or a ULID with a prefix. */
export const MAX_REQUEST_ID_LENGTH = 128;

/** Printable ASCII without the space: what a request id may hold. */
const REQUEST_ID_PATTERN = /^[\x21-\x7e]+$/;

/** What identifies a CreateDraft for replays: the client's id and a fingerprint of the payload. */
export interface DraftRequestKey {
  requestId: string;
  /** SHA-256 (hex) of the payload's canonical JSON (see {@link draftRequestKey}). */
  payloadSha256: string;
}

/** A value quoted in a message: long ones cut, so a hostile id does not fill the logs. */
function quote(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/**
 * The replay key of a CreateDraft, or undefined when it has no `request_id`
 * (then every call makes a new version). Throws `invalid_argument` when the
 * id is longer than {@link MAX_REQUEST_ID_LENGTH} or holds anything but
 * printable ASCII. The fingerprint covers every field that shapes the draft,
 * normalised so equivalent requests match: absent and zero limits are the
 * same (both take the runtime's default), and absent lists and strings are
 * empty. The tenant is part of the store's key, not of the fingerprint.
 */
export function draftRequestKey(input: CreateDraftInput): DraftRequestKey | undefined {
  const requestId = input.requestId ?? "";
  if (requestId === "") return undefined;
  if (requestId.length > MAX_REQUEST_ID_LENGTH)
    throw new ExtensionError(
      "invalid_argument",
      `request_id ${quote(requestId)} is ${requestId.length} characters, the limit is ${MAX_REQUEST_ID_LENGTH}`,
      undefined,
      { field: "request_id", limit: MAX_REQUEST_ID_LENGTH, actual: requestId.length },
    );
  if (!REQUEST_ID_PATTERN.test(requestId))
    throw new ExtensionError(
      "invalid_argument",
      `request_id ${quote(requestId)} must be printable ASCII without spaces (a UUID, say)`,
      undefined,
      { field: "request_id" },
    );
  const limits = Object.entries(input.limits ?? {})
    .filter(([, v]) => typeof v === "number" && v !== 0)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const payload = [
    input.extensionId,
    input.kind,
    input.riskTier,
    limits,
    input.description ?? "",
    input.tags ?? [],
    (input.hostCalls ?? []).map((h) => [h.service, h.method, h.read_only ?? null]),
    input.inputSchemaJson ?? "",
    input.outputSchemaJson ?? "",
    input.baseVersion ?? "",
  ];
  return { requestId, payloadSha256: createHash("sha256").update(JSON.stringify(payload)).digest("hex") };
}
