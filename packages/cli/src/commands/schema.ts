import { formatJson } from "@ameide-ext/toolkit";
import { Argument, type Command } from "commander";
import { SCHEMA_NAMES, SCHEMAS, type SchemaName } from "../schemas.js";
import { type CommandContext, examples } from "./command-context.js";

/** `ameide-ext schema <name>`: prints one of {@link SCHEMAS}. */
export function registerSchemaCommand(program: Command, ctx: CommandContext): void {
  program
    .command("schema")
    .summary(
      "print a JSON Schema: the manifest, a fixture, a --json document, or the runtime's request/response",
    )
    .description(
      "Print the JSON Schema (draft-07) of extension.json (manifest), of a tests/*.json fixture (fixture), or of\n" +
        "the document a command prints with --json (new, build, test, run, invoke, replay, promote, status, approve, reject,\n" +
        "rollback, disable, enable, bind, bindings, dev; error for a command that could not do its work; schema --json prints the schema\n" +
        "itself and mcp speaks MCP, so neither has one), or of\n" +
        "the runtime's InvokeExtension request and response as Connect JSON (invoke-request, invoke-response).",
    )
    .addArgument(new Argument("<name>", "which schema").choices(SCHEMA_NAMES))
    .option("--json", "print it on one line")
    .addHelpText(
      "after",
      examples([
        "$ npx ameide-ext schema manifest > extension.schema.json",
        "$ npx ameide-ext schema test --json",
        "$ npx ameide-ext schema invoke-request",
      ]),
    )
    .action((name: SchemaName, flags: { json?: boolean }) => {
      const schema = SCHEMAS[name];
      ctx.deps.stdout.write(flags.json ? `${JSON.stringify(schema)}\n` : formatJson(schema));
      ctx.setExit(0);
    });
}
