import { describe, expect, it } from "vitest";
import type { GuestInstance } from "./instance-lifecycle.js";
import {
  INLINE_NEW_INSTANCE_TABLE_ENTRIES,
  makesOnCallerThread,
  readyBeforeRun,
} from "./ready-before-run.js";

/** An instance that records its warm() calls; `fails` makes warm() throw. */
function fakeInstance(state: { ready: boolean; startsWithoutGuestCode?: boolean; fails?: boolean }) {
  const calls: string[] = [];
  const instance = {
    get ready() {
      return state.ready;
    },
    get startsWithoutGuestCode() {
      return state.ready || (state.startsWithoutGuestCode ?? false);
    },
    warm() {
      calls.push("warm");
      if (state.fails) throw new Error("start trapped");
      state.ready = true;
    },
  } as unknown as GuestInstance;
  return { instance, calls };
}

describe("readyBeforeRun()", () => {
  it("makes a not-ready instance, announcing it first, and says it did", () => {
    const { instance, calls } = fakeInstance({ ready: false });
    expect(readyBeforeRun(instance, () => calls.push("announce"))).toBe(true);
    expect(calls).toEqual(["announce", "warm"]);
    expect(instance.ready).toBe(true);
  });

  it("leaves a ready instance alone, without announcing anything", () => {
    const { instance, calls } = fakeInstance({ ready: true });
    expect(readyBeforeRun(instance, () => calls.push("announce"))).toBe(false);
    expect(calls).toEqual([]);
  });

  it("does not throw when making the instance fails: the run makes it again and reports the failure", () => {
    const { instance, calls } = fakeInstance({ ready: false, fails: true });
    expect(readyBeforeRun(instance)).toBe(true);
    expect(calls).toEqual(["warm"]);
  });
});

describe("makesOnCallerThread()", () => {
  it("allows a ready instance, and a new one made from a snapshot with few table entries", () => {
    expect(makesOnCallerThread(fakeInstance({ ready: true }).instance, 10 ** 6)).toBe(true);
    const fromSnapshot = fakeInstance({ ready: false, startsWithoutGuestCode: true }).instance;
    expect(makesOnCallerThread(fromSnapshot, INLINE_NEW_INSTANCE_TABLE_ENTRIES)).toBe(true);
  });

  it("refuses an instance whose making runs guest code, or makes more table entries than the bound", () => {
    expect(makesOnCallerThread(fakeInstance({ ready: false }).instance, 0)).toBe(false);
    const fromSnapshot = fakeInstance({ ready: false, startsWithoutGuestCode: true }).instance;
    expect(makesOnCallerThread(fromSnapshot, INLINE_NEW_INSTANCE_TABLE_ENTRIES + 1)).toBe(false);
  });
});
