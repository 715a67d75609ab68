/**
 * The reference L2O process (spec 479 §7.2, §9 EXT-WASM-02): l2o.bpmn's deal
 * approval, whose Extension Task calls the tenant's deal-approval extension,
 * run by a Temporal workflow (workflows.ts, the worker's `workflowsPath`) or
 * by the script without a server (runDeals).
 */
export type { L2oActivities } from "./activities.js";
export { createL2oActivities } from "./activities.js";
export type { BoundaryEvent, BusinessError } from "./boundary-error.js";
export { BOUNDARY_EVENTS, boundaryFor, businessErrorOf } from "./boundary-error.js";
export type { L2oCommandIo } from "./l2o-command.js";
export { EXIT, runL2oCommand, USAGE } from "./l2o-command.js";
export type { L2oElement, L2oEnd, L2oUserTask } from "./l2o-elements.js";
export { L2O_ELEMENTS } from "./l2o-elements.js";
export type { Deal, L2oInput, L2oRun, L2oSteps } from "./l2o-flow.js";
export { runL2oFlow } from "./l2o-flow.js";
export { MAX_DEAL_ID_LENGTH, MAX_DEAL_JSON_LENGTH, parseDeal } from "./parse-deal.js";
export { L2O_BPMN, readCheckDeal, readL2oBpmn } from "./read-check-deal.js";
export type { RouteTarget } from "./route-deal.js";
export { ROUTES, routeDeal } from "./route-deal.js";
export type { RunDealsOptions } from "./run-deals.js";
export { checkDealIds, runDeals } from "./run-deals.js";
export { SAMPLE_DEALS } from "./sample-deals.js";
