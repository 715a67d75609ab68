// Test support: stands in for the compile child (`node compile-child-probe.ts <dir> <mode>`) to show what
// spawnCompileChild gives a child. Modes: "env" reports its environment, cwd and the folder's mode;
// "hang" never ends; "flood" writes more than any cap; "crash" exits with code 3.
import { statSync, writeSync } from "node:fs";
import { RESULT_FD } from "../compile/compile-child-message.js";

const [dir = "", mode = "env"] = process.argv.slice(2);
if (mode === "env") {
  const report = {
    t: "probe",
    env: { ...process.env },
    cwd: process.cwd(),
    dirMode: statSync(dir).mode & 0o777,
  };
  writeSync(RESULT_FD, JSON.stringify(report));
} else if (mode === "hang") {
  setInterval(() => {}, 1000);
} else if (mode === "flood") {
  const chunk = Buffer.alloc(1024 * 1024, 0x61);
  for (let i = 0; i < 16; i++) writeSync(RESULT_FD, chunk);
} else {
  process.exit(3);
}
