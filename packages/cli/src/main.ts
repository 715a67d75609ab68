// The `ameide-ext` process: real side effects in, an exit code out. The only process.exit of the CLI.
import { runCli } from "./cli.js";
import { createNodeDeps } from "./deps.js";

const code = await runCli(process.argv.slice(2), createNodeDeps());
// Exit once stdout has flushed, so a piped JSON document is never cut short.
process.stdout.write("", () => process.exit(code));
