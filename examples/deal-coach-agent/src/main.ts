#!/usr/bin/env node
// `deal-coach-agent` / `npm run start`: the one place the process exits.
import { readFile } from "node:fs/promises";
import { runCli } from "./cli.js";

process.exitCode = await runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  readText: (file) => readFile(file, "utf8"),
});
