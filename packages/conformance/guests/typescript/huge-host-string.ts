// huge-host-string: hands the host a 16 MiB string where a short one belongs,
// through the host interface itself (as the PDK does, without its wrappers).
// Input 1: host.log with a 16 MiB level (cap 16 B).
// Input 2: host.call with a 16 MiB service name (cap 256 B).
// Input 3: host.call with a 300,000-byte request (cap 256 KiB, the input limit).
// Expect: resource_exhausted / host_string_size for each, refused on the
// length before jco's glue decodes a byte, the error message short (it never
// echoes the string); the engine still serves.
import { call, log } from "ameide:extension/host@1.0.0";
import type { Json } from "@ameide-ext/pdk";

export function run(input: Json) {
  const huge = "x".repeat(16 * 1024 * 1024);
  if (input === 1) log(huge, "m");
  if (input === 2) call(huge, "GetAccount", "{}");
  if (input === 3) call("crm", "GetAccount", "x".repeat(300_000));
  return input;
}
