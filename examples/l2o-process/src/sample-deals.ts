import type { Deal } from "./l2o-flow.js";

/**
 * One deal per path of l2o.bpmn, as the deal-approval template
 * (templates/assemblyscript/process_hook) answers: standard, extra approval
 * (over 50,000 with a margin under 10 %), and invalid (no margin: INVALID_DEAL).
 */
export const SAMPLE_DEALS: readonly Deal[] = [
  { id: "D-1001", amount: 12_000, margin: 0.22, currency: "EUR" },
  { id: "D-1042", amount: 72_000, margin: 0.085, currency: "EUR" },
  { id: "D-1099", amount: 90_000, currency: "EUR" },
];
