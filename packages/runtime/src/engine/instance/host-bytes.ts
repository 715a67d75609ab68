import { ExtensionError, FUEL_PER_HOST_BYTE } from "@ameide-ext/contract";

/**
 * Refuses a string the guest hands the host on its length alone, before a byte
 * is decoded: `resource_exhausted / host_string_size`. The message names the
 * length and the cap, never the string.
 */
export function checkHostString(bytes: number, cap: number, what: string): void {
  if (bytes > cap)
    throw new ExtensionError(
      "resource_exhausted",
      `the guest passed a ${what} of ${bytes} bytes, the limit is ${cap} bytes`,
      "host_string_size",
      { limit: cap, bytes },
    );
}

/**
 * Charges the guest's fuel for `bytes` the host reads from or writes into its
 * memory ({@link FUEL_PER_HOST_BYTE} each). When the fuel left is less, it is
 * all spent and the invocation ends with `resource_exhausted / fuel`.
 */
export function chargeHostBytes(fuel: WebAssembly.Global, bytes: number): void {
  const cost = BigInt(bytes) * BigInt(FUEL_PER_HOST_BYTE);
  const left = fuel.value as bigint;
  if (left < cost) {
    fuel.value = 0n;
    throw new ExtensionError(
      "resource_exhausted",
      `fuel exhausted: the host's ${bytes} bytes for the guest cost ${cost} instructions, ${left} were left`,
      "fuel",
    );
  }
  fuel.value = left - cost;
}
