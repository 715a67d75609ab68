/**
 * The elements of l2o.bpmn the code refers to, by their BPMN ids: the
 * workflow walks these, and the tests check each one is in the file.
 * Workflow-safe: imports nothing.
 */
export const L2O_ELEMENTS = {
  process: "l2o-deal-approval",
  start: "deal-submitted",
  checkDeal: "check-deal",
  dealInvalid: "deal-invalid",
  routeDeal: "route-deal",
  extraApproval: "extra-approval",
  dealApproved: "deal-approved",
  fixDeal: "fix-deal",
  dealReturned: "deal-returned",
} as const;

/** The id of one element of l2o.bpmn the process walks through. */
export type L2oElement = (typeof L2O_ELEMENTS)[keyof typeof L2O_ELEMENTS];

/** The user tasks of l2o.bpmn: a person completes them. */
export type L2oUserTask = typeof L2O_ELEMENTS.extraApproval | typeof L2O_ELEMENTS.fixDeal;

/** The end events of l2o.bpmn. */
export type L2oEnd = typeof L2O_ELEMENTS.dealApproved | typeof L2O_ELEMENTS.dealReturned;
