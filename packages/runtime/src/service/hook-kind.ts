import type { ExtensionKind } from "@ameide-ext/contract";

/** The hook kinds of spec 479 §6.5, as the log line and the metrics name them. */
export type HookKind = "process" | "domain" | "agent";

const HOOK_KIND: Record<ExtensionKind, HookKind> = {
  process_hook: "process",
  domain_hook: "domain",
  agent_tool: "agent",
};

/** The §6.5 hook kind of a catalog entry's kind: `process_hook` → `process`, `domain_hook` → `domain`, `agent_tool` → `agent`. */
export function hookKind(kind: ExtensionKind): HookKind {
  return HOOK_KIND[kind];
}
