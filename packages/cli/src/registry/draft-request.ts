import { type CreateDraftRequestSchema, ExtensionKind, RiskTier } from "@ameide-ext/proto";
import type { HookManifest } from "@ameide-ext/toolkit";
import type { MessageInitShape } from "@bufbuild/protobuf";

/**
 * The CreateDraft request for a hook's manifest under `key` (tenant and extension): its kind,
 * risk tier, limits, metadata, host calls and schemas in the registry's terms.
 */
export function draftRequest(
  key: { tenantId: string; extensionId: string },
  manifest: HookManifest,
): MessageInitShape<typeof CreateDraftRequestSchema> {
  return {
    ...key,
    kind: kindOf(manifest.kind),
    riskTier: tierOf(manifest.risk_tier),
    limits: {
      cpuMillis: manifest.limits.cpu_millis,
      memoryMb: manifest.limits.memory_mb,
      timeoutMs: manifest.limits.timeout_ms,
      hostCallsPerInvocation: manifest.limits.host_calls_per_invocation ?? 0,
    },
    metadata: { description: manifest.metadata.description, tags: manifest.metadata.tags },
    hostCalls: manifest.host_calls.map((h) => ({ service: h.service, method: h.method })),
    inputSchemaJson: manifest.input_schema ? JSON.stringify(manifest.input_schema) : "",
    outputSchemaJson: manifest.output_schema ? JSON.stringify(manifest.output_schema) : "",
  };
}

function kindOf(kind: string): ExtensionKind {
  return (
    {
      process_hook: ExtensionKind.PROCESS_HOOK,
      domain_hook: ExtensionKind.DOMAIN_HOOK,
      agent_tool: ExtensionKind.AGENT_TOOL,
    }[kind] ?? ExtensionKind.UNSPECIFIED
  );
}
function tierOf(tier: string): RiskTier {
  return { low: RiskTier.LOW, medium: RiskTier.MEDIUM, high: RiskTier.HIGH }[tier] ?? RiskTier.UNSPECIFIED;
}
