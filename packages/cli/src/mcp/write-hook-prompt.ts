/** The arguments of the `write_hook` prompt. */
export const WRITE_HOOK_ARGUMENTS = [
  { name: "goal", description: "what the hook should decide or compute, in a sentence", required: true },
  { name: "kind", description: "process_hook | domain_hook | agent_tool", required: true },
  { name: "name", description: "the hook's id, kebab-case (default: one you choose)", required: false },
] as const;

/**
 * The `write_hook` prompt: new -> edit -> test -> promote, with the tool to call at each step and what to do
 * when one fails.
 */
export function writeHookPrompt(args: Record<string, string | undefined>): string {
  const name = args.name ?? "<a kebab-case id you choose>";
  return [
    `Write an ameide-ext ${args.kind ?? "process_hook"} that does this: ${args.goal ?? "(ask the user)"}.`,
    "",
    "Work in these steps, with the ameide-ext tools:",
    `1. scaffold_hook { name: "${name}", kind: "${args.kind ?? "process_hook"}" } (add lang "typescript" for plain TypeScript). Read the resources ameide-ext://contract/CONTRACT.md and the PDK reference first if you have not.`,
    "2. Write one fixture per rule into <dir>/tests/*.json (the fixture schema: ameide-ext://schema/fixture), including the edge cases (missing fields, zero, limits).",
    "3. Edit <dir>/src/index.ts. Keep run(input) deterministic: no clock, randomness, network or Node built-ins; ask the host through host.call only for calls the manifest declares.",
    "4. test_hook { dir }. For each case with ok false, read failures and diff; for a tool error, call explain_error with its code and reason and apply the fix. Repeat until every case passes, and watch the limit usage (fuel, memory, time): a case over 80% of a limit is a warning.",
    "5. run_hook { dir, input } to try one more input when in doubt.",
    '6. promote_hook { dir, env: "dev" }. When it stops at a gate, report the gate\'s message to the user: a human must approve. You can never approve, and must not try.',
    "7. hook_status { dir } to see where each version is.",
  ].join("\n");
}
