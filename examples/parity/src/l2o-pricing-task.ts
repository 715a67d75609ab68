/** One Extension Task mapping: a FEEL expression after `=` (or a constant) and where its value goes. */
export interface TaskMapping {
  source: string;
  target: string;
}

/**
 * The L2O process's pricing Extension Task (the `price-quote` service task of
 * ../pricing-badi/l2o-pricing.bpmn, as `defineExtensionTask` of
 * `@ameide-ext/sdk/bpmn` takes it): the pricing BAdI's own module, not a
 * second one. The inputs map the process's `quote` onto the order view the
 * BAdI reads at BeforeCreateOrder; the outputs put its priced lines and net
 * total back on the quote and its verdict in `pricing`, which the process's
 * gateway routes on (`pricing.ok`).
 */
export const L2O_PRICING_TASK = {
  taskId: "price-quote",
  extensionId: "pricing-badi",
  version: "latest",
  inputs: [
    { source: "=quote.id", target: "orderId" },
    { source: "=quote.customerId", target: "customerId" },
    { source: "=quote.currency", target: "currency" },
    { source: "=quote.lines", target: "lines" },
  ],
  outputs: [
    { source: "=ok", target: "pricing.ok" },
    { source: "=validationMessages", target: "pricing.messages" },
    { source: "=derivedFields.pricedLines", target: "quote.pricedLines" },
    { source: "=derivedFields.netTotal", target: "quote.netTotal" },
  ],
} as const satisfies {
  taskId: string;
  extensionId: string;
  version: string;
  inputs: readonly TaskMapping[];
  outputs: readonly TaskMapping[];
};
