import type { HostCallPolicy } from "@ameide-ext/runtime";
import { resolveHookDir, validateHook } from "../hook-build/prepare-hook.js";
import type { EventSink } from "../hook-events.js";
import type { ToolkitDeps } from "../toolkit-deps.js";
import type { ReplayModule } from "./replay-recordings.js";

/**
 * A hook folder as a module to replay recordings against (`replay --against
 * <hook dir>`): built when dist/ is missing or stale, with the manifest's
 * limits and host-call policy (what it would run under once promoted).
 */
export async function hookReplayModule(
  dir: string | undefined,
  deps: ToolkitDeps,
  onEvent: EventSink = () => {},
): Promise<ReplayModule> {
  const abs = resolveHookDir(dir, deps.cwd);
  const hook = await validateHook({ dir: abs, rebuild: false, optimize: true }, deps, onEvent);
  const { manifest } = hook.loaded;
  const policy: HostCallPolicy = {
    riskTier: manifest.risk_tier,
    allow: manifest.host_calls.map((c) => ({ service: c.service, method: c.method, readOnly: c.read_only })),
    ...(manifest.limits.host_calls_per_invocation !== undefined
      ? { maxCalls: manifest.limits.host_calls_per_invocation }
      : {}),
  };
  return {
    label: dir ?? ".",
    bytes: await deps.fs.readBytes(hook.build.wasm),
    limits: {
      cpuMillis: manifest.limits.cpu_millis,
      memoryMb: manifest.limits.memory_mb,
      timeoutMs: manifest.limits.timeout_ms,
    },
    policy,
  };
}
