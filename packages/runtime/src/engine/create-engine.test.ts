import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, type Engine, type LoadedExtension } from "../index.js";
import { guest, watComponent } from "../testing/wat-component.js";

describe("createEngine()", () => {
  let engine: Engine;
  let echo: LoadedExtension;
  beforeAll(async () => {
    engine = createEngine({ pool: { size: 1 } });
    echo = await engine.load(await watComponent(guest("(call $ok (local.get $ptr) (local.get $len))")));
  });
  afterAll(() => engine.close());

  it("runs an echo guest inline and reports stats", () => {
    const r = engine.invokeInline(echo, { input: '{"a":1}' });
    expect(r.outcome).toBe("ok");
    expect(r.output).toBe('{"a":1}');
    expect(r.stats.fuelUsed).toBeGreaterThan(0);
    expect(r.stats.outputBytes).toBe(7);
  });

  it("gives the same fuel for the same input, run after run", () => {
    const a = engine.invokeInline(echo, { input: '{"a":1}' });
    const b = engine.invokeInline(echo, { input: '{"a":1}' });
    expect(a.stats.fuelUsed).toBe(b.stats.fuelUsed);
  });

  it("runs in the worker pool", async () => {
    const r = await engine.invoke(echo, { input: "[1,2,3]" });
    expect(r.error).toBeUndefined();
    expect(r.outcome).toBe("ok");
    expect(r.output).toBe("[1,2,3]");
  });

  it("refuses input that is not JSON with invalid_argument/invalid_input", () => {
    expect(() => engine.invokeInline(echo, { input: "{nope" })).toThrowError(
      expect.objectContaining({ code: "invalid_argument", reason: "invalid_input" }),
    );
  });
});
