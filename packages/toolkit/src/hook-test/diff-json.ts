import { diffLinesUnified } from "jest-diff";

const plain = (s: string) => s;

/**
 * A readable line diff of two JSON documents (`- Expected`, `+ Received`),
 * without colors. The received document's keys are put in the expected
 * document's order first, so a mere reordering shows no change.
 */
export function diffJson(expected: unknown, received: unknown): string {
  const a = JSON.stringify(expected, null, 2) ?? "undefined";
  const b = JSON.stringify(alignKeys(received, expected), null, 2) ?? "undefined";
  return diffLinesUnified(a.split("\n"), b.split("\n"), {
    aAnnotation: "Expected",
    bAnnotation: "Received",
    aColor: plain,
    bColor: plain,
    changeColor: plain,
    commonColor: plain,
    patchColor: plain,
    changeLineTrailingSpaceColor: plain,
    commonLineTrailingSpaceColor: plain,
    contextLines: 3,
    expand: false,
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `value` with its object keys in `like`'s order (recursively), its own extra keys after. */
export function alignKeys(value: unknown, like: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map((v, i) => alignKeys(v, Array.isArray(like) ? like[i] : undefined));
  }
  if (!isObject(value)) return value;
  const order = isObject(like) ? Object.keys(like).filter((k) => Object.hasOwn(value, k)) : [];
  const rest = Object.keys(value).filter((k) => !order.includes(k));
  const out: Record<string, unknown> = {};
  for (const k of [...order, ...rest]) out[k] = alignKeys(value[k], isObject(like) ? like[k] : undefined);
  return out;
}
