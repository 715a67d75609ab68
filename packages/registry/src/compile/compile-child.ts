// The compile child's entry: `node compile-child.js <dir>`, started by spawnCompileChild with an empty
// environment in a scratch folder that holds only the uploaded sources. It writes one JSON document
// (CompileChildMessage) to fd 3 and exits.
import { createWriteStream } from "node:fs";
import { buildAndTestInChild } from "./build-and-test-in-child.js";
import { RESULT_FD } from "./compile-child-message.js";

const dir = process.argv[2] ?? process.cwd();
const message = await buildAndTestInChild(dir);
const out = createWriteStream("", { fd: RESULT_FD });
out.end(JSON.stringify(message), () => process.exit(0));
