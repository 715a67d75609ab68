import { describe, expect, it } from "vitest";
import { watModule } from "../testing/wat-component.js";
import { checkLinkNames, readLinkNames } from "./check-link-names.js";

const INJECTED = "x']; globalThis.pwned = 1; //";

/** A composed component: a nested component holding `inner` (which must define core instance $m) and lifting $m's `run`. */
const composed = (inner: string, runName = "run") => `(component
  (component $guest
    (core module $main
      (memory (export "memory") 1)
      (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
      (func (export ${JSON.stringify(runName)}) (param i32 i32) (result i32) (i32.const 16)))
    ${inner}
    (func (export "run") (param "input-json" string) (result (result string (error string)))
      (canon lift (core func $m ${JSON.stringify(runName)}) (memory (core memory $m "memory")) (realloc (core func $m "cabi_realloc")))))
  (instance $g (instantiate $guest))
  (export "run" (func $g "run")))`;

describe("checkLinkNames()", () => {
  it("reads the core names of nested components: module imports and exports, instance arguments, aliases", async () => {
    const bytes = await watModule(
      composed(`(core module $dep (func (export "f")))
        (core instance $d (instantiate $dep))
        (core instance $m (instantiate $main (with "dep" (instance $d))))`),
    );
    const { names } = readLinkNames(bytes);
    expect(names).toEqual(expect.arrayContaining(["memory", "cabi_realloc", "run", "f", "dep"]));
    expect(() => checkLinkNames(bytes)).not.toThrow();
  });

  it.each([
    ["a core export", composed("(core instance $m (instantiate $main))", INJECTED)],
    [
      "a core instance's inline export",
      composed(
        `(core instance $m (instantiate $main)) (core instance $i (export ${JSON.stringify(INJECTED)} (func $m "run")))`,
      ),
    ],
    [
      "an instantiation argument no module imports",
      composed(`(core module $dep (func (export "f")))
        (core instance $d (instantiate $dep))
        (core instance $m (instantiate $main (with ${JSON.stringify(INJECTED)} (instance $d))))`),
    ],
    ["a line separator in a core export", composed("(core instance $m (instantiate $main))", "run\u2028x")],
  ])("refuses a quote or line break in %s with invalid_argument/invalid_module", async (_, wat) => {
    const bytes = await watModule(wat);
    expect(() => checkLinkNames(bytes)).toThrowError(
      expect.objectContaining({ code: "invalid_argument", reason: "invalid_module" }),
    );
  });
});
