// PDK phase "trivial": the ABI alone (the input lifted, "{}" lowered), no JSON.
export function run(input: string): string {
  return input.length > 0 ? "{}" : "[]";
}
