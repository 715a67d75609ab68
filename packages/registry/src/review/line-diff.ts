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
  /** Lines of this file's diff left out because the page's cap was reached (0 or absent: none). */
  omittedLines?: number;
}

/**
 * Most line-diff cells (lines before × lines after) one page's diff may cost, over all its files: an upload
 * may carry 2,000 files, and a page's diff must not hold the registry's event loop. Past it, a file is
 * "all removed, all added".
 */
export const MAX_PAGE_DIFF_CELLS = 4 * MAX_DIFF_CELLS;
/** Most changed lines one page shows, over all its files; past it, what is left out is counted. */
export const MAX_SHOWN_DIFF_LINES = 5_000;

/**
 * The diff of two versions' sources (path → text), file by file in path order, within one page's budget:
 * at most {@link MAX_PAGE_DIFF_CELLS} cells of diff work and {@link MAX_SHOWN_DIFF_LINES} changed lines; an
 * unchanged file costs nothing and has no lines.
 */
export function sourcesDiff(
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
): FileDiff[] {
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  let cells = MAX_PAGE_DIFF_CELLS;
  let shown = MAX_SHOWN_DIFF_LINES;
  return paths.map((path) => {
    const a = before.get(path);
    const b = after.get(path);
    const change =
      a === undefined ? "added" : b === undefined ? "removed" : a === b ? "unchanged" : "changed";
    if (change === "unchanged") return { path, change, lines: [] };
    const lines = diffWithin(a ?? "", b ?? "", cells);
    cells -= Math.min(cells, linesOf(a ?? "").length * linesOf(b ?? "").length);
    const cut = cutChanges(lines, shown);
    shown -= changedCount(cut.lines);
    return cut.omitted > 0
      ? { path, change, lines: cut.lines, omittedLines: cut.omitted }
      : { path, change, lines };
  });
}

/** {@link lineDiff}, or "all removed, all added" when it would cost more than `cells`. */
function diffWithin(before: string, after: string, cells: number): DiffLine[] {
  const a = linesOf(before);
  const b = linesOf(after);
  if (a.length * b.length <= cells) return lineDiff(before, after);
  return [...a.map((text) => ({ op: "-" as const, text })), ...b.map((text) => ({ op: "+" as const, text }))];
}

function changedCount(lines: readonly DiffLine[]): number {
  return lines.reduce((n, l) => n + (l.op === " " ? 0 : 1), 0);
}

/** `lines` up to its `keep`-th changed line (the rest left out, counted as changed lines omitted). */
function cutChanges(lines: DiffLine[], keep: number): { lines: DiffLine[]; omitted: number } {
  const changed = changedCount(lines);
  if (changed <= keep) return { lines, omitted: 0 };
  let seen = 0;
  let end = 0;
  while (end < lines.length && (seen < keep || (lines[end] as DiffLine).op === " ")) {
    if ((lines[end] as DiffLine).op !== " ") seen++;
    end++;
  }
  return { lines: lines.slice(0, end), omitted: changed - seen };
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
