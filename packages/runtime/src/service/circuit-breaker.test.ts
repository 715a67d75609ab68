import { describe, expect, it } from "vitest";
import { type CircuitChange, createCircuitBreakers } from "./circuit-breaker.js";

function setup(threshold = 3, coolDownMs = 1000) {
  let now = 0;
  const changes: CircuitChange[] = [];
  const breakers = createCircuitBreakers({
    failureThreshold: threshold,
    coolDownMs,
    now: () => now,
    onChange: (c) => changes.push(c),
  });
  const run = (failed: boolean) => breakers.record(breakers.admit("acme/x/1"), failed);
  return { breakers, changes, run, advance: (ms: number) => (now += ms) };
}

describe("createCircuitBreakers()", () => {
  it("opens after N consecutive technical errors and then refuses with unavailable/circuit_open", () => {
    const { breakers, run } = setup(3);
    run(true);
    run(true);
    expect(breakers.state("acme/x/1")).toBe("closed");
    run(true);
    expect(breakers.state("acme/x/1")).toBe("open");
    expect(() => breakers.admit("acme/x/1")).toThrowError(
      expect.objectContaining({ code: "unavailable", reason: "circuit_open" }),
    );
    expect(breakers.admit("acme/other/1").probe).toBe(false);
  });

  it("counts consecutive errors only: a success in between starts the count again", () => {
    const { breakers, run } = setup(3);
    run(true);
    run(true);
    run(false);
    run(true);
    run(true);
    expect(breakers.state("acme/x/1")).toBe("closed");
  });

  it("lets one probe through after the cool-down, and closes when it succeeds", () => {
    const { breakers, changes, run, advance } = setup(2, 1000);
    run(true);
    run(true);
    advance(999);
    expect(() => breakers.admit("acme/x/1")).toThrow();
    advance(1);
    const probe = breakers.admit("acme/x/1");
    expect(probe.probe).toBe(true);
    expect(breakers.state("acme/x/1")).toBe("half_open");
    // Only one probe at a time.
    expect(() => breakers.admit("acme/x/1")).toThrowError(
      expect.objectContaining({ reason: "circuit_open" }),
    );
    breakers.record(probe, false);
    expect(breakers.state("acme/x/1")).toBe("closed");
    expect(changes.map((c) => `${c.from}->${c.to}`)).toEqual([
      "closed->open",
      "open->half_open",
      "half_open->closed",
    ]);
  });

  it("opens again for another cool-down when the probe fails", () => {
    const { breakers, run, advance } = setup(1, 500);
    run(true);
    advance(500);
    breakers.record(breakers.admit("acme/x/1"), true);
    expect(breakers.state("acme/x/1")).toBe("open");
    advance(499);
    expect(() => breakers.admit("acme/x/1")).toThrow();
  });

  it("trip() opens a breaker at once, says why in the refusal, and a good probe after the cool-down closes it", () => {
    const { breakers, run, advance, changes } = setup(3, 1000);
    breakers.trip("acme/x/1", "by its SLO");
    expect(breakers.state("acme/x/1")).toBe("open");
    expect(() => breakers.admit("acme/x/1")).toThrowError(
      expect.objectContaining({
        code: "unavailable",
        reason: "circuit_open",
        message: expect.stringContaining("by its SLO"),
      }),
    );
    advance(1000);
    run(false);
    expect(breakers.state("acme/x/1")).toBe("closed");
    expect(changes.map((c) => c.to)).toEqual(["open", "half_open", "closed"]);
  });
});
