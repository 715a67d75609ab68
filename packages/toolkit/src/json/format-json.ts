/**
 * Formats JSON for files people read and review: two-space indent, with any
 * object or array that fits on one line (within `width` columns, indent
 * included) kept on one line, as hand-written fixtures are.
 */
export function formatJson(value: unknown, width = 100): string {
  return `${format(value, 0, 0, width)}\n`;
}

/** `indent`: the line's indent; `used`: columns already taken on the first line (a key). */
function format(value: unknown, indent: number, used: number, width: number): string {
  const flat = inline(value);
  if (value === null || typeof value !== "object" || indent + used + flat.length <= width) return flat;
  const pad = " ".repeat(indent + 2);
  const end = " ".repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((v) => pad + format(v, indent + 2, 0, width)).join(",\n")}\n${end}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return "{}";
  const body = entries.map(([k, v]) => {
    const key = `${JSON.stringify(k)}: `;
    return pad + key + format(v, indent + 2, key.length, width);
  });
  return `{\n${body.join(",\n")}\n${end}}`;
}

function inline(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(inline).join(", ")}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return "{}";
  return `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${inline(v)}`).join(", ")} }`;
}
