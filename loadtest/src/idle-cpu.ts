// What the split stack (router and every subgraph in its own process, with Postgres, Redis and Kafka) costs while
// nothing happens: CPU % of one core per process, over a window after start-up has settled.
//   npx tsx loadtest/src/idle-cpu.ts [--settle 20] [--window 10]
// An idle service should be close to 0: timers that spin (kafkajs once re-armed a 1 ms timer per connection) or
// consumers that poll too often show up here, and they take the same CPU away from requests under load.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startCountersBenchStack } from "./counters-bench-stack.ts";
import { withCpu } from "./process-cpu.ts";
import { repoRoot } from "./process-stack.ts";

const { values } = parseArgs({
  options: { settle: { type: "string", default: "20" }, window: { type: "string", default: "10" } },
});
const settleMs = Number(values.settle) * 1000;
const windowMs = Number(values.window) * 1000;

const bench = await startCountersBenchStack({}, { topology: "split" });
try {
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const { cpuMs } = await withCpu(process.pid, () => new Promise((resolve) => setTimeout(resolve, windowMs)));
  const percent = [...cpuMs]
    .map(([label, ms]) => [label, Number(((100 * ms) / windowMs).toFixed(1))] as const)
    .filter(([, pct]) => pct > 0)
    .sort((a, b) => b[1] - a[1]);
  const report = {
    scenario: "idle",
    settleSeconds: settleMs / 1000,
    windowSeconds: windowMs / 1000,
    cpuPercentOfOneCore: Object.fromEntries(percent),
    at: new Date().toISOString(),
  };
  const dir = join(repoRoot, "loadtest/results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "idle-cpu.json"), JSON.stringify(report, null, 2));
  console.log(
    [`| process | CPU % of one core, idle |`, `|---|---|`, ...percent.map(([label, pct]) => `| ${label} | ${pct} |`)].join("\n"),
  );
} finally {
  await bench.stop();
}
