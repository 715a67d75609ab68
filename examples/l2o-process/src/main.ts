#!/usr/bin/env node
// The l2o-process script: `npm run start --workspace @ameide-ext/example-l2o-process -- --help`.
import { runL2oCommand } from "./l2o-command.js";

const code = await runL2oCommand(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
});
process.exit(code);
