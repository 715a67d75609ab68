/** One line of a line diff: kept (" "), removed ("-") or added ("+"). */
export interface DiffLine {
  op: " " | "-" | "+";
  text: string;
}

/** Above this many cells (lines before × lines after) a file's diff is "all removed, all added". */
export const MAX_DIFF_CELLS = 4_000_000;

/** Splits a text into lines (a final newline makes no empty last line). */
function linesOf(text: string): string[] {
  if (text === "") return [];
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/**
 * The line diff of `before` → `after` by longest common subsequence. Files too large for it
 * (see {@link MAX_DIFF_CELLS}) come back as every old line removed and every new line added.
 */
export function lineDiff(before: string, after: string): DiffLine[] {
  const a = linesOf(before);
  const b = linesOf(after);
  if (a.length * b.length > MAX_DIFF_CELLS)
    return [
      ...a.map((text) => ({ op: "-" as const, text })),
      ...b.map((text) => ({ op: "+" as const, text })),
    ];
  // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
  const width = b.length + 1;
  const lcs = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i * width + j] =
        a[i] === b[j]
          ? (lcs[(i + 1) * width + j + 1] ?? 0) + 1
          : Math.max(lcs[(i + 1) * width + j] ?? 0, lcs[i * width + j + 1] ?? 0);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ op: " ", text: a[i] as string });
      i++;
      j++;
    } else if ((lcs[(i + 1) * width + j] ?? 0) >= (lcs[i * width + j + 1] ?? 0))
      out.push({ op: "-", text: a[i++] as string });
    else out.push({ op: "+", text: b[j++] as string });
  }
  while (i < a.length) out.push({ op: "-", text: a[i++] as string });
  while (j < b.length) out.push({ op: "+", text: b[j++] as string });
  return out;
}

/** One source file's diff: its path, whether it was added or removed, and its lines. */
export interface FileDiff {
  path: string;
  change: "added" | "removed" | "changed" | "unchanged";
  lines: DiffLine[];
}

/** The diff of two versions' sources (path → text), file by file in path order. */
export function sourcesDiff(
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
): FileDiff[] {
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  return paths.map((path) => {
    const a = before.get(path);
    const b = after.get(path);
    const change =
      a === undefined ? "added" : b === undefined ? "removed" : a === b ? "unchanged" : "changed";
    return { path, change, lines: lineDiff(a ?? "", b ?? "") };
  });
}

/** Lines of context kept around each change. */
export const CONTEXT_LINES = 3;

/** A diff line, or a run of unchanged lines folded away (how many). */
export type ShownLine = DiffLine | { fold: number };

/** Keeps `context` unchanged lines around each change and folds the longer unchanged runs between. */
export function withContext(lines: readonly DiffLine[], context = CONTEXT_LINES): ShownLine[] {
  const near = new Array<boolean>(lines.length).fill(false);
  lines.forEach((l, i) => {
    if (l.op === " ") return;
    for (let k = Math.max(0, i - context); k <= Math.min(lines.length - 1, i + context); k++) near[k] = true;
  });
  const out: ShownLine[] = [];
  let folded = 0;
  lines.forEach((l, i) => {
    if (near[i]) {
      if (folded > 0) out.push({ fold: folded });
      folded = 0;
      out.push(l);
    } else folded++;
  });
  if (folded > 0) out.push({ fold: folded });
  return out;
}
