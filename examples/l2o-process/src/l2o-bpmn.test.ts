// l2o.bpmn against the code: bpmn-moddle reads it without warnings, a modeler can open it (BPMNDI for every
// element), its Extension Task reads with readExtensionTasks, and its gateway and boundary event agree with
// routeDeal and boundaryFor.
import { readAmeideModdle } from "@ameide-ext/sdk/bpmn";
import { BpmnModdle, type ModdleElement } from "bpmn-moddle";
import { evaluate } from "feelin";
import { beforeAll, describe, expect, it } from "vitest";
import { BOUNDARY_EVENTS } from "./boundary-error.js";
import { L2O_ELEMENTS } from "./l2o-elements.js";
import { readCheckDeal, readL2oBpmn } from "./read-check-deal.js";
import { ROUTES, routeDeal } from "./route-deal.js";

type El = ModdleElement & Record<string, unknown>;
const list = (v: unknown) => (v ?? []) as El[];

describe("l2o.bpmn", () => {
  let xml: string;
  let warnings: Array<{ message: string }>;
  let definitions: El;
  let process: El;
  const byId = (id: string) => list(process.flowElements).find((e) => e.id === id) as El;

  beforeAll(async () => {
    xml = await readL2oBpmn();
    const parsed = await BpmnModdle({ ameide: await readAmeideModdle() }).fromXML(xml);
    warnings = parsed.warnings;
    definitions = parsed.rootElement as El;
    process = list(definitions.rootElements).find((e) => e.$type === "bpmn:Process") as El;
  });

  it("is BPMN 2.0 that bpmn-moddle reads without warnings", () => {
    expect(warnings).toEqual([]);
    expect(process).toMatchObject({ id: L2O_ELEMENTS.process, isExecutable: true });
  });

  it("has every element the code walks through", () => {
    const ids = list(process.flowElements).map((e) => e.id);
    expect(ids).toEqual(
      expect.arrayContaining(Object.values(L2O_ELEMENTS).filter((id) => id !== process.id)),
    );
  });

  it("has a diagram: a shape or edge for every element, so a modeler opens it", () => {
    const plane = list(definitions.diagrams)[0]?.plane as El;
    expect((plane.bpmnElement as El).id).toBe(process.id);
    const drawn = new Set(list(plane.planeElement).map((d) => (d.bpmnElement as El).id));
    expect(list(process.flowElements).filter((e) => !drawn.has(e.id))).toEqual([]);
  });

  it("its Extension Task check-deal calls deal-approval with the deal and writes approval back", async () => {
    const task = await readCheckDeal(xml);
    expect(task).toMatchObject({ taskId: "check-deal", extensionId: "deal-approval", version: "latest" });
    expect(task.inputs.map((m) => m.target)).toEqual(["dealId", "amount", "marginPct", "currency"]);
    expect(task.outputs.map((m) => m.target)).toEqual(["approval.route", "approval.reasons"]);
  });

  it("its gateway's FEEL conditions choose what routeDeal chooses, for each route", () => {
    const outgoing = list(process.flowElements).filter(
      (e) => e.$type === "bpmn:SequenceFlow" && (e.sourceRef as El).id === L2O_ELEMENTS.routeDeal,
    );
    expect(outgoing).toHaveLength(Object.keys(ROUTES).length);
    for (const route of Object.keys(ROUTES)) {
      const variables = { approval: { route } };
      const taken = outgoing.filter((f) => {
        const body = String((f.conditionExpression as El).body).trim();
        return evaluate(body.replace(/^=/, ""), variables).value === true;
      });
      expect(taken.map((f) => (f.targetRef as El).id)).toEqual([routeDeal(variables)]);
    }
  });

  it("its boundary error events on check-deal catch the codes boundaryFor catches", () => {
    const boundaries = list(process.flowElements).filter((e) => e.$type === "bpmn:BoundaryEvent");
    const caught = Object.fromEntries(
      boundaries.map((b) => {
        expect((b.attachedToRef as El).id).toBe(L2O_ELEMENTS.checkDeal);
        const error = list(b.eventDefinitions)[0]?.errorRef as El;
        return [error.errorCode, b.id];
      }),
    );
    expect(caught).toEqual(BOUNDARY_EVENTS);
    expect(byId("to-fix-deal")).toMatchObject({ targetRef: { id: L2O_ELEMENTS.fixDeal } });
  });

  it("user tasks are bpmn:UserTask, as the workflow waits for a person at each", () => {
    expect(byId(L2O_ELEMENTS.extraApproval).$type).toBe("bpmn:UserTask");
    expect(byId(L2O_ELEMENTS.fixDeal).$type).toBe("bpmn:UserTask");
  });
});

describe("readCheckDeal()", () => {
  it("refuses a document without the task check-deal: invalid_argument/invalid_manifest", async () => {
    const other = (await readL2oBpmn()).replaceAll('"check-deal"', '"check-it"');
    await expect(readCheckDeal(other)).rejects.toMatchObject({
      code: "invalid_argument",
      reason: "invalid_manifest",
      details: { taskId: "check-deal" },
    });
  });

  it("refuses a document that is not BPMN with the SDK's code: invalid_argument/invalid_manifest", async () => {
    await expect(readCheckDeal("<deal>D-1</deal")).rejects.toMatchObject({
      code: "invalid_argument",
      reason: "invalid_manifest",
    });
  });
});
