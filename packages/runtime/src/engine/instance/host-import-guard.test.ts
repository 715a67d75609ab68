import { describe, expect, it } from "vitest";
import { guardHostImports, type HostStringHooks } from "./host-import-guard.js";

describe("guardHostImports()", () => {
  const seen: string[] = [];
  const hooks: HostStringHooks = {
    log(level, message) {
      seen.push(`log ${level} ${message}`);
      return message > 100 ? 0 : message;
    },
    call(service, method, request) {
      if (service > 256) throw new Error("too long");
      seen.push(`call ${service} ${method} ${request}`);
    },
  };

  it("checks the lengths of the host interface's log and call before passing them on", () => {
    const passed: number[][] = [];
    const host = {
      log: (...args: number[]) => {
        passed.push(args);
      },
      call: (...args: number[]) => {
        passed.push(args);
      },
    };
    const guarded = guardHostImports({ "ameide:extension/host@1.0.0": host }, hooks) as Record<
      string,
      typeof host
    >;
    guarded["ameide:extension/host@1.0.0"]?.log(8, 4, 16, 50);
    guarded["ameide:extension/host@1.0.0"]?.log(8, 4, 16, 5000);
    guarded["ameide:extension/host@1.0.0"]?.call(1, 3, 2, 10, 3, 2, 32);
    expect(() => guarded["ameide:extension/host@1.0.0"]?.call(1, 1 << 24, 2, 10, 3, 2, 32)).toThrow(
      "too long",
    );
    // A message over the cap reaches the glue as empty; the refused call never reaches it.
    expect(passed).toEqual([
      [8, 4, 16, 50],
      [8, 4, 16, 0],
      [1, 3, 2, 10, 3, 2, 32],
    ]);
    expect(seen).toEqual(["log 4 50", "log 4 5000", "call 3 10 2"]);
  });

  it("leaves other imports, and import objects without the host interface, as they are", () => {
    const env = { memory: {} };
    const plain = { env };
    expect(guardHostImports(plain, hooks)).toBe(plain);
    expect(guardHostImports(undefined, hooks)).toBeUndefined();
    const mixed = guardHostImports({ env, "cm32p2|ameide:extension/host@1": { log: () => {} } }, hooks);
    expect(mixed?.env).toBe(env);
  });
});
