// PDK phase "echo": the input lifted and lowered back (UTF-8 to UTF-16 and back), no JSON.
export function run(input: string): string {
  return input;
}
