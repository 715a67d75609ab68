import { ExtensionError } from "@ameide-ext/contract";

/** One line of an order, as the domain and its extensions see it. */
export interface OrderLine {
  sku: string;
  quantity: number;
  unitPrice: number;
  discountPct: number;
}

/**
 * The JSON view of a CreateOrder command that the extensions see (the shape the
 * `domain_hook` template reads): what the caller asked for, nothing of the
 * domain's internals.
 */
export interface CreateOrderCommand extends Record<string, unknown> {
  orderId: string;
  customerId: string;
  currency: string;
  lines: OrderLine[];
}

/** Caps on what one request may carry, checked before any extension sees it. */
export const ORDER_LIMITS = { lines: 200, textChars: 64 } as const;

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** A field of the request the domain refuses: invalid_argument, naming the field and the rule. */
function invalid(field: string, rule: string): ExtensionError {
  return new ExtensionError("invalid_argument", `${field}: ${rule}`, "invalid_input", { field });
}

function text(field: string, value: string, pattern: RegExp = ID): string {
  if (!pattern.test(value))
    throw invalid(
      field,
      `"${value.slice(0, 80)}" must be 1-${ORDER_LIMITS.textChars} letters, digits or ._:-`,
    );
  return value;
}

function amount(field: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw invalid(field, `${value} must be a finite number >= 0`);
  return value;
}

/** A user id: letters, digits and ._:@- (an e-mail fits), at most 64; no control characters. */
const USER_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/;

/**
 * The request's user id, checked like its other text: it goes into the
 * ExecutionContext every extension sees and into each stored order's
 * `createdBy`, so it is capped and printable.
 */
export function orderUser(userId: string): string {
  if (!USER_ID.test(userId))
    throw invalid(
      "user_id",
      `"${userId.slice(0, 80)}" must be 1-${ORDER_LIMITS.textChars} letters, digits or ._:@-`,
    );
  return userId;
}

/** The request's fields, checked, as the command the extensions see. */
export function orderCommand(req: {
  orderRef: string;
  customerId: string;
  currency: string;
  lines: ReadonlyArray<{ sku: string; quantity: number; unitPrice: number; discountPct: number }>;
}): CreateOrderCommand {
  if (req.lines.length > ORDER_LIMITS.lines)
    throw invalid("lines", `${req.lines.length} lines, the limit is ${ORDER_LIMITS.lines}`);
  return {
    orderId: text("order_ref", req.orderRef),
    customerId: req.customerId === "" ? "" : text("customer_id", req.customerId),
    currency: text("currency", req.currency, /^[A-Z]{3}$/),
    lines: req.lines.map((l, i) => ({
      sku: text(`lines[${i}].sku`, l.sku),
      quantity: amount(`lines[${i}].quantity`, l.quantity),
      unitPrice: amount(`lines[${i}].unit_price`, l.unitPrice),
      discountPct: amount(`lines[${i}].discount_pct`, l.discountPct),
    })),
  };
}

/** What an extension added to the command: the fields that are not the command's own (those it may not rewrite). */
export function derivedOf(
  command: CreateOrderCommand,
  merged: Record<string, unknown>,
): Record<string, unknown> {
  return Object.fromEntries(Object.entries(merged).filter(([key]) => !(key in command)));
}
