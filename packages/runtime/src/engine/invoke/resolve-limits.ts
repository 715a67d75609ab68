import {
  DEFAULT_LIMITS,
  DEFAULT_SIZE_LIMITS,
  ExtensionError,
  type ExtensionLimits,
  LIMIT_BOUNDS,
  type SizeLimits,
} from "@ameide-ext/contract";

/** Fills defaults into `limits` and refuses any value outside {@link LIMIT_BOUNDS} (`invalid_argument/invalid_limits`). */
export function resolveLimits(
  limits: Partial<ExtensionLimits> | undefined,
  base: ExtensionLimits = DEFAULT_LIMITS,
): ExtensionLimits {
  const out: ExtensionLimits = { ...base };
  for (const key of Object.keys(LIMIT_BOUNDS) as Array<keyof ExtensionLimits>) {
    const value = limits?.[key];
    if (value === undefined) continue;
    const { min, max } = LIMIT_BOUNDS[key];
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      throw new ExtensionError(
        "invalid_argument",
        `limits.${key} is ${JSON.stringify(value)}, it must be an integer from ${min} to ${max}`,
        "invalid_limits",
        { field: key, value, min, max },
      );
    }
    out[key] = value;
  }
  return out;
}

/** Fills defaults into runtime-wide size limits, refusing non-positive values. */
export function resolveSizeLimits(limits: Partial<SizeLimits> | undefined): SizeLimits {
  const out: SizeLimits = { ...DEFAULT_SIZE_LIMITS };
  for (const key of Object.keys(DEFAULT_SIZE_LIMITS) as Array<keyof SizeLimits>) {
    const value = limits?.[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 1) {
      throw new ExtensionError(
        "invalid_argument",
        `sizeLimits.${key} is ${value}, it must be a positive integer`,
        "invalid_limits",
        {
          field: key,
          value,
        },
      );
    }
    out[key] = value;
  }
  return out;
}

/** Re-exported from the contract, which owns how limits are quoted. */
export { formatBytes } from "@ameide-ext/contract";
