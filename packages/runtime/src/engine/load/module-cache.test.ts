import { describe, expect, it } from "vitest";
import { createModuleCache } from "./module-cache.js";

describe("createModuleCache()", () => {
  it("evicts the least recently used entry, reads counting as uses", () => {
    const evicted: string[] = [];
    const cache = createModuleCache<number>(2, (key) => evicted.push(key));
    cache.set("a", 1);
    cache.set("b", 2);
    expect(cache.get("a")).toBe(1); // a is now the newest
    cache.set("c", 3);
    expect(evicted).toEqual(["b"]);
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual([1, undefined, 3]);
    expect(cache.misses).toBe(1);
  });

  it("keeps the order when the newest entry is read again and again, and after it is deleted", () => {
    const evicted: string[] = [];
    const cache = createModuleCache<number>(2, (key) => evicted.push(key));
    cache.set("a", 1);
    cache.set("b", 2);
    for (let i = 0; i < 3; i++) expect(cache.get("b")).toBe(2);
    cache.set("c", 3);
    expect(evicted).toEqual(["a"]);
    cache.delete("c");
    cache.set("b", 20);
    cache.set("d", 4);
    expect(evicted).toEqual(["a"]);
    expect(cache.get("a")).toBeUndefined();
    cache.set("e", 5);
    expect(evicted).toEqual(["a", "b"]);
    expect([cache.size, cache.get("d"), cache.get("e")]).toEqual([2, 4, 5]);
  });

  it("refuses a capacity below 1", () => {
    expect(() => createModuleCache(0)).toThrowError(RangeError);
  });
});
