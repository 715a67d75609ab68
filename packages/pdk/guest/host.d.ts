// The host interface of the world ameide:extension/extension@1.0.0, as a
// JavaScript guest sees it (componentize-qjs): strings in, strings out; an
// err result is thrown as an error whose `payload` is the error JSON.
declare module "ameide:extension/host@1.0.0" {
  export function log(level: string, msg: string): void;
  export function call(service: string, method: string, requestJson: string): string;
}
