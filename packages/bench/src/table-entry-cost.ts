// What one funcref table entry costs in RSS, the figure behind TABLE_ENTRY_BYTES (pdk limits.ts):
// instantiates modules of N tables of M entries each and prints the RSS added per entry.
// Run: npm run measure:tables --workspace @ameide-ext/bench
import { TABLE_ENTRY_BYTES } from "@ameide-ext/contract";

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/** A core module of `tables` funcref tables of `entries` entries, no maximum. */
function tablesModule(tables: number, entries: number): Uint8Array<ArrayBuffer> {
  const body = [...leb(tables)];
  for (let i = 0; i < tables; i++) body.push(0x70, 0x00, ...leb(entries));
  return new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 4, ...leb(body.length), ...body]);
}

const kept: WebAssembly.Instance[] = [];
for (const [tables, entries] of [
  [1, 1_000_000],
  [10, 1_000_000],
  [100, 100_000],
] as const) {
  const before = process.memoryUsage().rss;
  kept.push(new WebAssembly.Instance(new WebAssembly.Module(tablesModule(tables, entries))));
  const added = process.memoryUsage().rss - before;
  console.log(
    `${tables} table(s) of ${entries} entries: RSS +${(added / 1e6).toFixed(0)} MB, ${(added / (tables * entries)).toFixed(1)} bytes an entry (TABLE_ENTRY_BYTES = ${TABLE_ENTRY_BYTES})`,
  );
}
