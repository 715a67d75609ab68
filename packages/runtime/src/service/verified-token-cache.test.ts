import { describe, expect, it } from "vitest";
import { createVerifiedTokenCache } from "./verified-token-cache.js";

describe("createVerifiedTokenCache()", () => {
  it("forgets a token at its exp, or after maxAgeMs, whichever comes first", () => {
    let t = 1_000_000_000_000;
    const cache = createVerifiedTokenCache({ maxAgeMs: 60_000, now: () => t });
    cache.set("short", { sub: "a", exp: t / 1000 + 10 });
    cache.set("long", { sub: "b", exp: t / 1000 + 3_600 });
    cache.set("expired", { sub: "c", exp: t / 1000 - 1 });
    cache.set("no-exp", { sub: "d" });
    expect(cache.get("short")).toMatchObject({ sub: "a" });
    expect(cache.get("expired")).toBeUndefined();
    expect(cache.get("no-exp")).toBeUndefined();
    t += 10_000;
    expect(cache.get("short")).toBeUndefined();
    expect(cache.get("long")).toMatchObject({ sub: "b" });
    t += 50_000;
    expect(cache.get("long")).toBeUndefined();
  });

  it("keeps at most maxEntries tokens, dropping the oldest", () => {
    const cache = createVerifiedTokenCache({ maxEntries: 2 });
    const exp = Math.floor(Date.now() / 1000) + 60;
    for (const k of ["a", "b", "c"]) cache.set(k, { sub: k, exp });
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("b")).toMatchObject({ sub: "b" });
    expect(cache.get("c")).toMatchObject({ sub: "c" });
  });
});
