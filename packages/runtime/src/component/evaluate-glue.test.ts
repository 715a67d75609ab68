import { describe, expect, it } from "vitest";
import { evaluateGlue } from "./evaluate-glue.js";

// The shape jco's sync glue has: one exported instantiate, which tries WebAssembly.promising and falls back.
const GLUE = `export function instantiate(getCoreModule, imports, instantiateCore) {
  const errors = [];
  for (let i = 0; i < 2; i++) {
    try { WebAssembly.promising(() => 0); } catch (err) { errors.push(err); }
  }
  return { errors, Instance: WebAssembly.Instance, Memory: WebAssembly.Memory };
}
export const _util = {};
`;

describe("evaluateGlue()", () => {
  it("runs the glue against the real WebAssembly, whose missing promising throws one error made once", () => {
    const out = evaluateGlue(GLUE)(
      () => new WebAssembly.Module(new Uint8Array()),
      {},
      () => {
        throw new Error("unused");
      },
    ) as unknown as { errors: unknown[]; Instance: unknown; Memory: unknown };
    expect([out.Instance, out.Memory]).toEqual([WebAssembly.Instance, WebAssembly.Memory]);
    if (typeof (WebAssembly as { promising?: unknown }).promising === "function") return;
    expect(out.errors).toHaveLength(2);
    expect(out.errors[0]).toBeInstanceOf(TypeError);
    // The same object both times: no new error, so V8 never re-parses the glue to word its message.
    expect(out.errors[1]).toBe(out.errors[0]);
  });

  it("refuses glue that imports anything", () => {
    expect(() => evaluateGlue(`import x from "fs";\n${GLUE}`)).toThrow(/unexpected shape/);
  });
});
