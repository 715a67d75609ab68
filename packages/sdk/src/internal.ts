/**
 * `@ameide-ext/sdk/internal`: what our own packages may share with the SDK below its API. Not a stable API:
 * it changes with the SDK, without notice.
 */

/** An InvokeExtensionResponse read into an InvokeResult, or thrown as the ExtensionError it carries. */
export { readResponse } from "./read-response.js";
