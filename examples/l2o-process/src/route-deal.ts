import type { ProcessVariables } from "@ameide-ext/sdk/bpmn";
import { ApplicationFailure } from "@temporalio/common";
import { L2O_ELEMENTS } from "./l2o-elements.js";

/** The routes the deal-approval extension answers, and where the gateway sends each. */
export const ROUTES = {
  extra_approval: L2O_ELEMENTS.extraApproval,
  standard: L2O_ELEMENTS.dealApproved,
} as const;

/** Where the gateway `route-deal` sends a deal: the extra approval user task or straight to approved. */
export type RouteTarget = (typeof ROUTES)[keyof typeof ROUTES];

/** The failure type of a technical error, as `@ameide-ext/sdk/temporal` names it (workflow code cannot import it). */
export const TECHNICAL_FAILURE_TYPE = "ExtensionError";

function routeOf(variables: ProcessVariables): unknown {
  const approval = variables.approval;
  if (approval === null || typeof approval !== "object") return undefined;
  return (approval as Record<string, unknown>).route;
}

/**
 * The exclusive gateway `route-deal`: the element the deal goes to next, by
 * `approval.route` (the Extension Task's output). The same choice as the
 * gateway's FEEL conditions in l2o.bpmn (a test evaluates both). A route the
 * gateway has no flow for is a non-retryable failure
 * (`internal`/`invalid_output`): the extension and the process disagree.
 */
export function routeDeal(variables: ProcessVariables): RouteTarget {
  const route = routeOf(variables);
  if (typeof route === "string" && Object.hasOwn(ROUTES, route)) return ROUTES[route as keyof typeof ROUTES];
  throw ApplicationFailure.create({
    type: TECHNICAL_FAILURE_TYPE,
    nonRetryable: true,
    message: `gateway "${L2O_ELEMENTS.routeDeal}": approval.route is ${JSON.stringify(route) ?? "missing"}; the extension must answer one of ${Object.keys(ROUTES).join(", ")}`,
    details: [
      {
        code: "internal",
        reason: "invalid_output",
        gatewayId: L2O_ELEMENTS.routeDeal,
        field: "approval.route",
        value: route ?? null,
        expected: Object.keys(ROUTES),
      },
    ],
  });
}
