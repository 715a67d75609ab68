import type { ProcessVariables } from "@ameide-ext/sdk/bpmn";
import type { ExtensionActivityInput } from "@ameide-ext/sdk/temporal";
import { type BusinessError, boundaryFor } from "./boundary-error.js";
import { L2O_ELEMENTS, type L2oElement, type L2oEnd, type L2oUserTask } from "./l2o-elements.js";
import { routeDeal } from "./route-deal.js";

/** A deal as sales submits it: the process variable `deal`. */
export interface Deal {
  /** The deal's reference, e.g. "D-1042". */
  id: string;
  /** Total amount, in `currency`. */
  amount?: number | undefined;
  /** Margin as a fraction (0.085 is 8.5 %); the Extension Task sends it as `marginPct`. */
  margin?: number | undefined;
  /** ISO 4217 code, e.g. "EUR". */
  currency?: string | undefined;
}

/** What starts the process: the deal and who the process runs for. */
export interface L2oInput {
  deal: Deal;
  /** Tenant, user, env...; the instance id defaults to the workflow id. */
  process: ExtensionActivityInput["process"];
}

/** How the process ended: the elements it went through, in order, and its variables. */
export interface L2oRun {
  /** BPMN element ids, from the start event to the end event. */
  path: L2oElement[];
  /** The end event reached. */
  end: L2oEnd;
  /** The variables at the end: `deal`, and `approval` once the deal was checked. */
  variables: ProcessVariables;
  /** The business error a boundary event caught, on the fix-the-deal path. */
  refusal?: BusinessError | undefined;
}

/** The steps that need the outside world: the engine (a Temporal workflow, the script) gives them. */
export interface L2oSteps {
  /** The Extension Task `check-deal`: the activity createExtensionActivity makes. */
  checkDeal(input: ExtensionActivityInput): Promise<ProcessVariables>;
  /** A user task: resolves with the variables once a person completed it. */
  userTask(taskId: L2oUserTask, variables: ProcessVariables): Promise<ProcessVariables>;
}

/**
 * The L2O process of l2o.bpmn, step by step: the Extension Task, then the
 * gateway's route, or the boundary error event and "fix the deal" when the
 * extension refuses the deal with INVALID_DEAL. Any other failure is thrown
 * (the instance fails, as an uncaught BPMN error or an incident would).
 * Deterministic, so a Temporal workflow runs it as is.
 */
export async function runL2oFlow(input: L2oInput, steps: L2oSteps): Promise<L2oRun> {
  const path: L2oElement[] = [L2O_ELEMENTS.start, L2O_ELEMENTS.checkDeal];
  let variables: ProcessVariables = { deal: input.deal };
  try {
    variables = await steps.checkDeal({ variables, process: input.process });
  } catch (err) {
    const caught = boundaryFor(err);
    if (caught === undefined) throw err;
    path.push(caught.event, L2O_ELEMENTS.fixDeal);
    variables = await steps.userTask(L2O_ELEMENTS.fixDeal, { ...variables, refusal: caught.error });
    path.push(L2O_ELEMENTS.dealReturned);
    return { path, end: L2O_ELEMENTS.dealReturned, variables, refusal: caught.error };
  }
  path.push(L2O_ELEMENTS.routeDeal);
  if (routeDeal(variables) === L2O_ELEMENTS.extraApproval) {
    path.push(L2O_ELEMENTS.extraApproval);
    variables = await steps.userTask(L2O_ELEMENTS.extraApproval, variables);
  }
  path.push(L2O_ELEMENTS.dealApproved);
  return { path, end: L2O_ELEMENTS.dealApproved, variables };
}
