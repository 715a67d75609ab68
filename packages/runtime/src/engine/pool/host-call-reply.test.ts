import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { guest, watComponent } from "../../testing/wat-component.js";
import { createEngine, type Engine, type LoadedExtension } from "../create-engine.js";
import type { HostCallPolicy } from "../types.js";

// Calls host "svc"."m" with its input as the request and returns whatever the host answered, as its output.
const RELAY = guest(
  `(call $call (i32.const 1024) (i32.const 3) (i32.const 1040) (i32.const 1) (local.get $ptr) (local.get $len) (i32.const 64))
   (call $ok (i32.load (i32.const 68)) (i32.load (i32.const 72)))`,
  `(data (i32.const 1024) "svc") (data (i32.const 1040) "m")`,
);
const policy: HostCallPolicy = { riskTier: "high", allow: [{ service: "svc", method: "m" }] };

describe("host-call answers in the worker pool", () => {
  let engine: Engine;
  let relay: LoadedExtension;
  beforeAll(async () => {
    engine = createEngine({ pool: { size: 1 } });
    relay = await engine.load(await watComponent(RELAY), { limits: { timeoutMs: 60 } });
  });
  afterAll(() => engine.close());

  it("never gives an invocation the late answer to an earlier invocation's timed-out host call", async () => {
    // The handler blocks past the deadline, so the worker gives up waiting while the answer is still to be posted.
    const late = await engine.invoke(relay, {
      input: "{}",
      policy,
      hostHandler: () => {
        const until = performance.now() + 120;
        while (performance.now() < until) {
          // busy: the pool's thread cannot run its timers
        }
        return '"late answer of the first invocation"';
      },
    });
    expect(late.error?.code).toBe("deadline_exceeded");
    const next = await engine.invoke(relay, { input: "{}", policy, hostHandler: () => '"fresh"' });
    expect(next.output).toBe('"fresh"');
  });

  it("cuts a host call still unanswered at the deadline without stopping the worker", async () => {
    const replaced = engine.stats().workersReplaced;
    const slow = await engine.invoke(relay, {
      input: "{}",
      policy,
      hostHandler: () => new Promise<string>((resolve) => setTimeout(() => resolve('"too late"'), 300)),
    });
    expect([slow.error?.code, slow.error?.reason]).toEqual(["deadline_exceeded", "timeout"]);
    expect(slow.stats.durationUs).toBeLessThan(250_000);
    expect(engine.stats().workersReplaced).toBe(replaced);
    await new Promise((r) => setTimeout(r, 320)); // the late answer arrives, and must go nowhere
    const next = await engine.invoke(relay, { input: "{}", policy, hostHandler: () => '"fresh"' });
    expect(next.output).toBe('"fresh"');
  });
});
