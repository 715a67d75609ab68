import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { runUntilSignal } from "./run-until-signal.js";

describe("runUntilSignal()", () => {
  it("runs stop on the first signal and gives up on it at the second", async () => {
    const source = new EventEmitter();
    const seen: string[] = [];
    const outcome = runUntilSignal(
      () => new Promise(() => {}),
      (signal) => seen.push(signal),
      source,
    );
    source.emit("SIGTERM", "SIGTERM");
    expect(seen).toEqual(["SIGTERM"]);
    source.emit("SIGINT", "SIGINT");
    expect(await outcome).toBe("forced");
    expect(source.listenerCount("SIGINT") + source.listenerCount("SIGTERM")).toBe(0);
  });

  it("resolves stopped once stop finishes, and stops listening", async () => {
    const source = new EventEmitter();
    let stopped = false;
    const outcome = runUntilSignal(
      async () => {
        stopped = true;
      },
      () => {},
      source,
    );
    source.emit("SIGINT", "SIGINT");
    expect(await outcome).toBe("stopped");
    expect(stopped).toBe(true);
    expect(source.listenerCount("SIGINT") + source.listenerCount("SIGTERM")).toBe(0);
  });
});
