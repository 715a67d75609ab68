#!/usr/bin/env node
// The main job, end to end on embedded defaults: build the example hook (AssemblyScript → component),
// load it into the sandboxed engine with its manifest's limits, run every fixture, and print outputs and stats.
// Exit 0 when every fixture gives what it expects, 1 otherwise.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { buildAssemblyScript } from "@ameide-ext/pdk";
import { createEngine, formatBytes } from "@ameide-ext/runtime";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const hookDir = join(root, process.argv[2] ?? "templates/assemblyscript/process_hook");
const manifest = JSON.parse(readFileSync(join(hookDir, "extension.json"), "utf8"));
const pct = (a, b) => `${((100 * a) / b).toFixed(1)}%`;

console.log(
  `hook       ${manifest.id} v${manifest.version} (${manifest.kind}, risk ${manifest.risk_tier}) in ${relative(root, hookDir)}`,
);
const build = await buildAssemblyScript({ entry: join(hookDir, "src", "index.ts") });
console.log(
  `build      ${formatBytes(build.bytes)} component, sha256 ${build.sha256}, ${build.durationMs.toFixed(0)} ms`,
);

const engine = createEngine();
const limits = {
  cpuMillis: manifest.limits.cpu_millis,
  memoryMb: manifest.limits.memory_mb,
  timeoutMs: manifest.limits.timeout_ms,
};
const ext = await engine.load(build.component, { sha256: build.sha256, limits });
console.log(
  `load       verified, metered, memory capped at ${limits.memoryMb} MiB; cpu ${limits.cpuMillis} ms; timeout ${limits.timeoutMs} ms`,
);

let failed = 0;
const fixtures = readdirSync(join(hookDir, "tests"))
  .filter((f) => f.endsWith(".json"))
  .sort();
for (const file of fixtures) {
  const fx = JSON.parse(readFileSync(join(hookDir, "tests", file), "utf8"));
  const r = engine.invokeInline(ext, {
    input: JSON.stringify(fx.input),
    policy: { riskTier: manifest.risk_tier },
  });
  let ok;
  if (fx.expectError)
    ok = r.businessError?.code === fx.expectError.code || r.error?.code === fx.expectError.code;
  else ok = r.outcome === "ok" && JSON.stringify(JSON.parse(r.output)) === JSON.stringify(fx.expected);
  if (!ok) failed++;
  const s = r.stats;
  console.log(`\n${ok ? "PASS" : "FAIL"}  ${fx.name}`);
  if (r.outcome === "ok") console.log(`  output   ${r.output}`);
  else if (r.businessError)
    console.log(`  business error ${r.businessError.code}: ${r.businessError.message}`);
  else console.log(`  error    ${r.error.code}/${r.error.reason}: ${r.error.message}`);
  for (const line of r.logs) console.log(`  log      [${line.level}] ${line.message}`);
  console.log(
    `  stats    fuel ${s.fuelUsed}/${s.fuelLimit} (${pct(s.fuelUsed, s.fuelLimit)}), memory ${formatBytes(s.memoryBytes)}/${formatBytes(s.memoryLimitBytes)}, ` +
      `output ${s.outputBytes} B/${formatBytes(s.outputLimitBytes)}, ${(s.durationMs * 1000).toFixed(0)} µs`,
  );
}

// The same invocation through the worker pool, where the wall-clock limit is enforced by terminating a stuck worker.
const first = JSON.parse(readFileSync(join(hookDir, "tests", fixtures[0]), "utf8"));
const request = { input: JSON.stringify(first.input), policy: { riskTier: manifest.risk_tier } };
const inline = engine.invokeInline(ext, request);
const pooled = await engine.invoke(ext, request);
const same = pooled.output === inline.output && pooled.stats.fuelUsed === inline.stats.fuelUsed;
if (!same) failed++;
console.log(
  `\nworker pool: ${pooled.outcome}, fuel ${pooled.stats.fuelUsed}; ${same ? "same output and fuel as inline" : "DIFFERS from inline"}`,
);
await engine.close();

console.log(`\n${fixtures.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
