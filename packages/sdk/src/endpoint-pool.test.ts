import { describe, expect, it } from "vitest";
import { createEndpointPool } from "./endpoint-pool.js";

describe("createEndpointPool()", () => {
  it("goes round the endpoints in turn", () => {
    const pool = createEndpointPool(3, { now: () => 0 });
    expect([pool.pick(), pool.pick(), pool.pick(), pool.pick()]).toEqual([0, 1, 2, 0]);
  });

  it("skips an endpoint set aside until its time is over", () => {
    let t = 0;
    const pool = createEndpointPool(3, { setAsideMs: 100, now: () => t });
    pool.setAside(1);
    expect([pool.pick(), pool.pick(), pool.pick(), pool.pick()]).toEqual([0, 2, 0, 2]);
    t = 100;
    expect([pool.pick(), pool.pick()]).toEqual([0, 1]);
  });

  it("when every endpoint is set aside, takes the one back soonest", () => {
    let t = 0;
    const pool = createEndpointPool(3, { setAsideMs: 100, now: () => t });
    pool.setAside(2);
    t = 10;
    pool.setAside(0);
    pool.setAside(1);
    expect(pool.pick()).toBe(2);
  });

  it("refuses no endpoint, too many, and a bad set-aside time with invalid_argument/invalid_input", () => {
    for (const make of [
      () => createEndpointPool(0),
      () => createEndpointPool(33),
      () => createEndpointPool(2, { setAsideMs: -1 }),
    ])
      expect(make).toThrow(expect.objectContaining({ code: "invalid_argument", reason: "invalid_input" }));
  });
});
