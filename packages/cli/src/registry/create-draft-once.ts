import { randomUUID } from "node:crypto";
import { ExtensionError } from "@ameide-ext/contract";
import { CreateDraftRequestSchema, type CreateDraftResponse } from "@ameide-ext/proto";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { RegistryClient } from "./registry-client.js";

/** How often {@link createDraftOnce} sends the request before it gives up. */
export const CREATE_DRAFT_ATTEMPTS = 3;

/** Options of {@link createDraftOnce}. */
export interface CreateDraftOnceOptions {
  /** Wait before the n-th retry: n × this, in milliseconds. Default 250. */
  retryDelayMs?: number | undefined;
  /** Told before each retry, for people. */
  onRetry?: ((attempt: number, cause: ExtensionError) => void) | undefined;
}

/**
 * CreateDraft at most once: the request carries a fresh `request_id`, and
 * when the registry cannot be reached (`unavailable`: the request may have
 * landed and only the answer been lost) it is sent again, with the same id,
 * up to {@link CREATE_DRAFT_ATTEMPTS} times. The registry answers a replay
 * with the draft the first one created, so a retry never makes a second
 * version. Any other error is thrown at once. A `requestId` in `request` is
 * replaced: each call is one new request.
 */
export async function createDraftOnce(
  client: RegistryClient,
  request: MessageInitShape<typeof CreateDraftRequestSchema>,
  options: CreateDraftOnceOptions = {},
): Promise<CreateDraftResponse> {
  const sent = create(CreateDraftRequestSchema, request);
  sent.requestId = randomUUID();
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.createDraft(sent);
    } catch (cause) {
      const error = ExtensionError.from(cause);
      if (error.code !== "unavailable" || attempt >= CREATE_DRAFT_ATTEMPTS) throw error;
      options.onRetry?.(attempt, error);
      await new Promise((r) => setTimeout(r, attempt * (options.retryDelayMs ?? 250)));
    }
  }
}
