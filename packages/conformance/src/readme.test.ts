import { readdirSync, readFileSync } from "node:fs";
import { ERROR_CODES, ERROR_REASONS } from "@ameide-ext/contract";
import { describe, expect, it } from "vitest";
import { listGuests, readGuest } from "./build-guest.js";
import { listTypeScriptGuests, readTypeScriptGuest } from "./build-typescript-guest.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
/** A guest table's rows, for guests whose file ends with `ext`: guest name → its "Must produce" cell. */
const tableRows = (ext: string) =>
  new Map(
    [...readme.matchAll(new RegExp(`^\\| \`([\\w-]+)\\.${ext}\` \\|[^|]*\\| ([^|]*) \\|`, "gm"))].map((m) => [
      m[1] as string,
      m[2] as string,
    ]),
  );
/** The WAT guests' table. */
const rows = tableRows("wat");
/** The TypeScript guests' table. */
const tsRows = tableRows("ts");
/** Every `code / reason` pair named in a text. */
const pairs = (text: string) => [...text.matchAll(/([a-z_]+) \/ ([a-z_]+)/g)].map((m) => `${m[1]} / ${m[2]}`);

/** The guests of each table: where they live, their names, and the comment lines of each one's header. */
const TABLES = [
  {
    dir: "guests/",
    rows,
    list: listGuests,
    header: (name: string) =>
      readGuest(name)
        .wat.split("\n")
        .filter((l) => l.startsWith(";;"))
        .join(" ")
        .replace(/\s*;;\s*/g, " "),
  },
  {
    dir: "guests/typescript/",
    rows: tsRows,
    list: listTypeScriptGuests,
    header: (name: string) =>
      readTypeScriptGuest(name)
        .split("\n")
        .filter((l) => l.startsWith("//"))
        .join(" ")
        .replace(/\s*\/\/\s*/g, " "),
  },
] as const;

describe.each(TABLES)("README.md, the table of $dir", ({ rows, list, header }) => {
  it("lists every guest in its directory, and no other", () => {
    expect([...rows.keys()].sort()).toEqual(list());
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
      const text = header(guest);
      for (const pair of pairs(cell))
        expect({ guest, pair, inHeader: text.includes(pair) }).toMatchObject({
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
    const unused = list().filter((g) => !tests.includes(`"${g}"`));
    expect(unused).toEqual([]);
  });
});
