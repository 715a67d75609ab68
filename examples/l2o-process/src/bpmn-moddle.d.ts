// bpmn-moddle ships no types for its main entry: the little of it that the SDK's sources and this example's
// tests use (the SDK's own declaration, packages/sdk/src/process/bpmn-moddle.d.ts, is outside this program).
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
