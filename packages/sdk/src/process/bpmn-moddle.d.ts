// bpmn-moddle ships no types for its main entry: the little of it that readExtensionTasks uses. Kept out of
// the SDK's public types, so a user's compiler never needs them.
declare module "bpmn-moddle" {
  /** An element of the model: its type ("bpmn:ServiceTask"), id, attributes and children by property name. */
  export interface ModdleElement {
    $type: string;
    id?: string;
    name?: string;
    [property: string]: unknown;
  }
  /** What fromXML resolves with: the root and what lax parsing skipped. */
  export interface ParseResult {
    rootElement: ModdleElement;
    warnings: Array<{ message: string }>;
  }
  /** A moddle that reads BPMN 2.0 and the given extension packages. */
  export interface Moddle {
    fromXML(xml: string): Promise<ParseResult>;
  }
  export function BpmnModdle(packages?: Record<string, unknown>): Moddle;
}
