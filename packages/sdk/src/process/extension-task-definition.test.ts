import { describe, expect, it } from "vitest";
import { defineExtensionTask, MAX_MAPPINGS_PER_TASK } from "./extension-task-definition.js";
import { MAX_FEEL_SOURCE_LENGTH } from "./feel-mapping.js";

const spec = {
  taskId: "price-deal",
  extensionId: "deal-pricer",
  inputs: [{ source: "=deal.amount", target: "amount" }],
  outputs: [{ source: "=approved", target: "deal.approved" }],
};

describe("defineExtensionTask()", () => {
  it("fills in version latest and keeps the mappings in order", () => {
    const def = defineExtensionTask(spec);
    expect(def).toMatchObject({ taskId: "price-deal", extensionId: "deal-pricer", version: "latest" });
    expect(def.inputs).toEqual(spec.inputs);
    expect(def.outputs).toEqual(spec.outputs);
    expect(Object.isFrozen(def)).toBe(true);
  });

  it("refuses an extension id that breaks the id rule, naming the task and the id", () => {
    expect(() => defineExtensionTask({ ...spec, extensionId: "Deal_Pricer" })).toThrow(
      expect.objectContaining({
        code: "invalid_argument",
        reason: "invalid_manifest",
        message: expect.stringContaining('"Deal_Pricer"'),
        details: expect.objectContaining({
          taskId: "price-deal",
          field: "extensionId",
          value: "Deal_Pricer",
        }),
      }),
    );
  });

  it("refuses a version that is neither latest nor a version name", () => {
    expect(() => defineExtensionTask({ ...spec, version: "3 beta" })).toThrow(
      expect.objectContaining({
        reason: "invalid_manifest",
        details: expect.objectContaining({ field: "version" }),
      }),
    );
  });

  it("refuses a FEEL syntax error with the task id, the expression and its position", () => {
    const bad = { source: "=deal.amount +", target: "amount" };
    try {
      defineExtensionTask({ ...spec, inputs: [bad] });
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({
        code: "invalid_argument",
        reason: "invalid_manifest",
        details: {
          taskId: "price-deal",
          field: "inputs[0].source",
          expression: "=deal.amount +",
          position: 13,
        },
      });
      expect((err as Error).message).toContain("price-deal");
      expect((err as Error).message).toContain("=deal.amount +");
    }
  });

  it("refuses a FEEL syntax error in an output mapping too", () => {
    expect(() => defineExtensionTask({ ...spec, outputs: [{ source: "=1 +* 2", target: "x" }] })).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ field: "outputs[0].source" }) }),
    );
  });

  it("refuses two mappings to one target, and a target inside another", () => {
    const twice = [
      { source: "=deal.amount", target: "amount" },
      { source: "=deal.total", target: "amount" },
    ];
    expect(() => defineExtensionTask({ ...spec, inputs: twice })).toThrow(
      expect.objectContaining({
        reason: "invalid_manifest",
        message: expect.stringContaining('"amount"'),
        details: expect.objectContaining({
          taskId: "price-deal",
          field: "inputs[1].target",
          target: "amount",
        }),
      }),
    );
    const nested = [
      { source: "=approved", target: "deal" },
      { source: "=limit", target: "deal.limit" },
    ];
    expect(() => defineExtensionTask({ ...spec, outputs: nested })).toThrow(
      expect.objectContaining({ details: expect.objectContaining({ field: "outputs[1].target" }) }),
    );
  });

  it("refuses a target that is not a name or dotted path, and prototype keys", () => {
    for (const target of ["", "1x", "a..b", "a b", "__proto__", "deal.constructor", "x.prototype"])
      expect(() => defineExtensionTask({ ...spec, inputs: [{ source: "=1", target }] }), target).toThrow(
        expect.objectContaining({ reason: "invalid_manifest", details: expect.objectContaining({ target }) }),
      );
  });

  it("refuses an empty source and an empty task id", () => {
    expect(() => defineExtensionTask({ ...spec, inputs: [{ source: "", target: "a" }] })).toThrow(
      expect.objectContaining({ reason: "invalid_manifest" }),
    );
    expect(() => defineExtensionTask({ ...spec, taskId: "" })).toThrow(
      expect.objectContaining({
        reason: "invalid_manifest",
        details: expect.objectContaining({ field: "taskId" }),
      }),
    );
  });

  it("refuses mappings that are not an array of { source, target }", () => {
    for (const inputs of [{ source: "=a", target: "a" }, "=a", [null], [42]])
      expect(
        () => defineExtensionTask({ ...spec, inputs: inputs as unknown as [] }),
        JSON.stringify(inputs),
      ).toThrow(expect.objectContaining({ code: "invalid_argument", reason: "invalid_manifest" }));
  });

  it("refuses a source longer than MAX_FEEL_SOURCE_LENGTH, before parsing it, with the task and the limit", () => {
    const long = `=${"1 + ".repeat(MAX_FEEL_SOURCE_LENGTH / 4)}1`;
    for (const source of [long, "E".repeat(MAX_FEEL_SOURCE_LENGTH + 1)])
      expect(() => defineExtensionTask({ ...spec, outputs: [{ source, target: "x" }] })).toThrow(
        expect.objectContaining({
          code: "invalid_argument",
          reason: "invalid_manifest",
          details: expect.objectContaining({
            taskId: "price-deal",
            field: "outputs[0].source",
            limit: MAX_FEEL_SOURCE_LENGTH,
          }),
        }),
      );
    const atLimit = `=${"1".repeat(MAX_FEEL_SOURCE_LENGTH - 1)}`;
    expect(
      defineExtensionTask({ ...spec, outputs: [{ source: atLimit, target: "x" }] }).outputs,
    ).toHaveLength(1);
  });

  it("refuses more than MAX_MAPPINGS_PER_TASK mappings each way, before checking them (the overlap check is quadratic)", () => {
    const many = Array.from({ length: 30_000 }, (_, i) => ({ source: "=a", target: `v${i}` }));
    for (const kind of ["inputs", "outputs"] as const) {
      const started = performance.now();
      expect(() => defineExtensionTask({ ...spec, [kind]: many })).toThrow(
        expect.objectContaining({
          code: "invalid_argument",
          reason: "invalid_manifest",
          details: expect.objectContaining({ field: kind, limit: MAX_MAPPINGS_PER_TASK, actual: 30_000 }),
        }),
      );
      expect(performance.now() - started).toBeLessThan(200);
    }
    const atLimit = many.slice(0, MAX_MAPPINGS_PER_TASK);
    expect(defineExtensionTask({ ...spec, inputs: atLimit }).inputs).toHaveLength(MAX_MAPPINGS_PER_TASK);
  });

  it("refuses a task id that is not a BPMN id of at most 255 characters: it is quoted in messages and in every correlation id", () => {
    for (const taskId of [
      "t".repeat(256),
      "price\ndeal",
      "a/b",
      "pi-1/../x",
      "price deal",
      "1price",
      "\u001b[2Jx",
    ])
      expect(() => defineExtensionTask({ ...spec, taskId }), JSON.stringify(taskId.slice(0, 20))).toThrow(
        expect.objectContaining({
          code: "invalid_argument",
          reason: "invalid_manifest",
          details: expect.objectContaining({ field: "taskId" }),
        }),
      );
    for (const taskId of ["Activity_0x1y2z", "check-deal", "prüfen.1", "_t", "t".repeat(255)])
      expect(defineExtensionTask({ ...spec, taskId }).taskId).toBe(taskId);
  });

  it("takes a source without '=' as a constant string", () => {
    const def = defineExtensionTask({ ...spec, inputs: [{ source: "EUR", target: "currency" }] });
    expect(def.inputs[0]).toEqual({ source: "EUR", target: "currency" });
  });
});
