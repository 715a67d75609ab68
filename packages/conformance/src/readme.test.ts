import { readdirSync, readFileSync } from "node:fs";
import { ERROR_CODES, ERROR_REASONS } from "@ameide-ext/pdk/contract";
import { describe, expect, it } from "vitest";
import { listGuests, readGuest } from "./build-guest.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
/** The guest table's rows: guest name → its "Must produce" cell. */
const rows = new Map(
  [...readme.matchAll(/^\| `([\w-]+)\.wat` \|[^|]*\| ([^|]*) \|/gm)].map((m) => [
    m[1] as string,
    m[2] as string,
  ]),
);
/** Every `code / reason` pair named in a text. */
const pairs = (text: string) => [...text.matchAll(/([a-z_]+) \/ ([a-z_]+)/g)].map((m) => `${m[1]} / ${m[2]}`);

describe("README.md", () => {
  it("lists every guest in guests/, and no other", () => {
    expect([...rows.keys()].sort()).toEqual(listGuests());
  });

  it("names only codes and reasons of the contract", () => {
    for (const [guest, cell] of rows) {
      for (const pair of pairs(cell)) {
        const [code, reason] = pair.split(" / ");
        expect({ guest, code, known: (ERROR_CODES as readonly string[]).includes(code as string) }).toEqual({
          guest,
          code,
          known: true,
        });
        expect({
          guest,
          reason,
          known: (ERROR_REASONS as readonly string[]).includes(reason as string),
        }).toEqual({ guest, reason, known: true });
      }
    }
  });

  it("agrees with each guest's own header comment", () => {
    for (const [guest, cell] of rows) {
      const header = readGuest(guest)
        .wat.split("\n")
        .filter((l) => l.startsWith(";;"))
        .join(" ")
        .replace(/\s*;;\s*/g, " ");
      for (const pair of pairs(cell))
        expect({ guest, pair, inHeader: header.includes(pair) }).toMatchObject({
          inHeader: true,
        });
    }
  });

  it("has every guest exercised by a test", () => {
    const dir = new URL(".", import.meta.url);
    const tests = readdirSync(dir)
      .filter((f) => f.endsWith(".test.ts") && f !== "readme.test.ts")
      .map((f) => readFileSync(new URL(f, dir), "utf8"))
      .join("\n");
    const unused = listGuests().filter((g) => !tests.includes(`"${g}"`));
    expect(unused).toEqual([]);
  });
});
