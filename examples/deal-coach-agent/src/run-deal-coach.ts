import type { RuntimeClient } from "@ameide-ext/sdk";
import {
  createJsonlAuditSink,
  createToolset,
  extensionTool,
  type ToolDefinition,
} from "@ameide-ext/sdk/agent";
import { type CoachTurn, createDealCoach } from "./deal-coach.js";
import { SAMPLE_CONVERSATION, type ScriptedQuestion } from "./sample-conversation.js";

/** What {@link runDealCoach} needs. */
export interface RunDealCoachOptions {
  /** The runtime client the tool calls through. */
  client: RuntimeClient;
  /** The opportunity-risk tool's definition: its manifest, or the registry's. */
  definition: ToolDefinition;
  /** The tenant the agent works for. */
  tenantId: string;
  /** The JSONL file each tool call's audit record is appended to (created with its folder, mode 0600). */
  auditFile: string;
  /** The questions, in order. Default {@link SAMPLE_CONVERSATION}. */
  conversation?: readonly ScriptedQuestion[] | undefined;
  /** The conversation's id (correlation ids are `<id>.turn-<n>`). Default a fresh UUID. */
  conversationId?: string | undefined;
  /** Where each turn is told, one line at a time. Default: nowhere. */
  write?: ((line: string) => void) | undefined;
}

/** What a run did. */
export interface DealCoachRun {
  conversationId: string;
  turns: CoachTurn[];
  /** The audit file, as given. */
  auditFile: string;
}

/**
 * Runs the deal-coach agent over a scripted conversation: gives it the
 * opportunity-risk tool (audited to `auditFile`), asks each question in
 * turn and tells each answer. The audit file holds one line per tool call
 * once this resolves. Throws the ExtensionError of a technical error (the
 * runtime unreachable, the extension unknown to it) after auditing it.
 */
export async function runDealCoach(options: RunDealCoachOptions): Promise<DealCoachRun> {
  const write = options.write ?? (() => {});
  const audit = createJsonlAuditSink(options.auditFile);
  try {
    const tool = extensionTool(options.client, options.definition, { audit });
    const coach = createDealCoach({
      tools: createToolset([tool]),
      tenantId: options.tenantId,
      conversationId: options.conversationId,
    });
    const turns: CoachTurn[] = [];
    for (const { question, opportunity } of options.conversation ?? SAMPLE_CONVERSATION) {
      const turn = await coach.ask(question, opportunity);
      turns.push(turn);
      for (const line of describeTurn(turn)) write(line);
    }
    return { conversationId: coach.conversationId, turns, auditFile: options.auditFile };
  } finally {
    await audit.close();
  }
}

/** A turn as the script prints it: the question, the tool call (version and module), the answer. */
export function describeTurn(turn: CoachTurn): string[] {
  const lines = [`[turn ${turn.turn}] seller: ${turn.question}`];
  if (turn.plan.kind === "call" && turn.toolResult) {
    const a = turn.toolResult.audit;
    const ran = a.resolvedVersion
      ? `@${a.resolvedVersion} (module sha256 ${a.moduleSha256.slice(0, 12)}…)`
      : "";
    lines.push(`  tool ${a.tool}${ran}: ${a.outcome}, args ${JSON.stringify(turn.plan.args)}`);
  }
  lines.push(`  coach: ${turn.answer}`);
  return lines;
}
