import { readFile } from "node:fs/promises";

/** The XML namespace of Extension Tasks (`xmlns:ameide="…"` in a BPMN file). */
export const AMEIDE_MODDLE_URI = "http://ameide.io/schema/bpmn/extension/1.0";

// The descriptor is the package's resources/ameide-moddle.json (also exported as
// "@ameide-ext/sdk/bpmn/moddle.json" for modelers); src/process and dist/process sit at the same depth.
const DESCRIPTOR = new URL("../../resources/ameide-moddle.json", import.meta.url);

let descriptor: Promise<Record<string, unknown>> | undefined;

/**
 * The moddle descriptor of the `ameide` namespace (`ameide:extensionTask`,
 * `ameide:input`, `ameide:output`), as bpmn-moddle and bpmn-js take it:
 * `new BpmnModdle({ ameide: await readAmeideModdle() })`. Read once.
 */
export function readAmeideModdle(): Promise<Record<string, unknown>> {
  descriptor ??= readFile(DESCRIPTOR, "utf8").then((text) => JSON.parse(text) as Record<string, unknown>);
  return descriptor;
}
