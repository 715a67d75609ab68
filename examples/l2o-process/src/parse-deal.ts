import { ExtensionError } from "@ameide-ext/contract";
import type { Deal } from "./l2o-flow.js";

/** Longest deal id accepted (the registry's reference length). */
export const MAX_DEAL_ID_LENGTH = 64;
/** Largest `--deal` document accepted, in characters. */
export const MAX_DEAL_JSON_LENGTH = 16 * 1024;

function refuse(message: string, field: string, value: unknown): ExtensionError {
  return new ExtensionError("invalid_argument", message, "invalid_input", { field, value });
}

function checkNumber(deal: Record<string, unknown>, field: "amount" | "margin"): void {
  const v = deal[field];
  if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v)))
    throw refuse(`deal.${field} is ${JSON.stringify(v)}; give a finite number or leave it out`, field, v);
}

/**
 * A deal from its JSON text (the `--deal` flag): an object with an `id` of
 * 1-64 characters and, when present, a finite `amount` and `margin` and a
 * string `currency`. Anything else is `invalid_argument`/`invalid_input`
 * naming the field. A missing amount or margin is left for the extension
 * to refuse: that is the boundary error path.
 */
export function parseDeal(text: string): Deal {
  if (text.length > MAX_DEAL_JSON_LENGTH)
    throw new ExtensionError(
      "invalid_argument",
      `the deal is ${text.length} characters, the limit is ${MAX_DEAL_JSON_LENGTH}`,
      "input_size",
      { limit: MAX_DEAL_JSON_LENGTH, actual: text.length },
    );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw refuse(
      `the deal ${JSON.stringify(text.slice(0, 80))} is not JSON; give e.g. '{"id":"D-1","amount":1000,"margin":0.2}'`,
      "deal",
      text.slice(0, 80),
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw refuse(`the deal is ${JSON.stringify(value)}; give a JSON object`, "deal", value);
  const deal = value as Record<string, unknown>;
  if (typeof deal.id !== "string" || deal.id.length < 1 || deal.id.length > MAX_DEAL_ID_LENGTH)
    throw refuse(
      `deal.id is ${JSON.stringify(deal.id)}; give a string of 1-${MAX_DEAL_ID_LENGTH} characters`,
      "id",
      deal.id,
    );
  checkNumber(deal, "amount");
  checkNumber(deal, "margin");
  if (deal.currency !== undefined && typeof deal.currency !== "string")
    throw refuse(
      `deal.currency is ${JSON.stringify(deal.currency)}; give an ISO 4217 code such as "EUR"`,
      "currency",
      deal.currency,
    );
  return deal as unknown as Deal;
}
