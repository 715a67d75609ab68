// huge-output: returns a string of 128 KiB, twice the 64 KiB output limit.
// Expect: resource_exhausted / output_size.
export function run(): string {
  return "x".repeat(128 * 1024);
}
