// Runs a k6 scenario's default function once in Node, through the adapter of the k6 modules it imports:
// init (module top level) → setup() → default(data) → until its sockets and timers are done → teardown(data) →
// handleSummary(summary). Proves a script works against a running stack without k6 (AGPL, not on our machines).
//   npx tsx loadtest/src/k6-adapter/run.ts loadtest/k6/<scenario>.ts [--report report.json] [--timeout-ms 30000]
// Environment: the script's __ENV (PLAZA_URL, PLAZA_SEED, …). Exit 0 when every check passed and nothing threw.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { register } from "node:module";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { SummaryData } from "../../k6/lib/summary.ts";
import { counterMetric, rateMetric, trendMetric } from "../summary-data.ts";
import { adapterState, recordError } from "./state.ts";

export interface AdapterReport {
  script: string;
  checks: Array<{ name: string; passes: number; fails: number }>;
  errors: string[];
  /** Samples per metric. */
  samples: Record<string, number>;
  /** Files handleSummary asked for (written). */
  summaryFiles: string[];
  ok: boolean;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { report: { type: "string" }, "timeout-ms": { type: "string", default: "30000" } },
});
const script = positionals[0];
if (!script || positionals.length > 1) {
  console.error("usage: run.ts <k6 script.ts> [--report file] [--timeout-ms N]");
  process.exit(2);
}
const timeoutMs = Number(values["timeout-ms"]);
if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) {
  console.error(`--timeout-ms must be a positive integer (got ${values["timeout-ms"]})`);
  process.exit(2);
}
const scriptPath = resolve(script);

register("./hooks.mjs", import.meta.url);

// k6's globals: __ENV is the environment; __VU is 0 in the init context and setup(), 1 in the iteration.
const globals = globalThis as unknown as Record<string, unknown>;
globals.__ENV = { ...process.env };
globals.__VU = 0;
globals.__ITER = 0;
globals.open = (path: string, mode?: "b") => {
  const data = readFileSync(resolve(dirname(scriptPath), path));
  return mode === "b" ? data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) : data.toString("utf8");
};

const state = adapterState();

async function untilIdle(): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (state.sockets.size > 0 || state.timers.size > 0) {
    if (Date.now() > deadline) {
      recordError(
        "iteration",
        new Error(`still ${state.sockets.size} socket(s) and ${state.timers.size} timer(s) after ${timeoutMs} ms`),
      );
      for (const socket of state.sockets) socket.forceClose();
      for (const timer of state.timers.values()) clearTimeout(timer);
      state.timers.clear();
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

function summary(): SummaryData {
  const seconds = (Date.now() - state.startedAt) / 1000;
  const metrics: SummaryData["metrics"] = {};
  for (const [name, metric] of state.metrics) {
    if (metric.type === "trend") metrics[name] = trendMetric(metric.values, metric.isTime);
    else if (metric.type === "rate") {
      const passes = metric.values.filter((v) => v !== 0).length;
      metrics[name] = rateMetric(passes, metric.values.length - passes);
    } else if (metric.type === "counter")
      metrics[name] = counterMetric(
        metric.values.reduce((a, b) => a + b, 0),
        seconds,
      );
    else metrics[name] = { type: "gauge", values: { value: metric.values[metric.values.length - 1] ?? 0 } };
  }
  const checks = [...state.checks].map(([name, c]) => ({ name, ...c }));
  return { metrics, root_group: { name: "", checks, groups: [] }, state: { testRunDurationMs: seconds * 1000 } };
}

const summaryFiles: string[] = [];
try {
  const mod = (await import(pathToFileURL(scriptPath).href)) as Record<string, unknown>;
  const call = (name: string, ...args: unknown[]) =>
    typeof mod[name] === "function" ? (mod[name] as (...a: unknown[]) => unknown)(...args) : undefined;
  const data = await call("setup");
  globals.__VU = 1;
  try {
    await call("default", data);
  } catch (error) {
    recordError("default function", error);
  }
  await untilIdle();
  globals.__VU = 0;
  await call("teardown", data);
  const files = (await call("handleSummary", summary())) as Record<string, string> | undefined;
  for (const [path, content] of Object.entries(files ?? {})) {
    if (path === "stdout") process.stdout.write(content);
    else if (path === "stderr") process.stderr.write(content);
    else {
      mkdirSync(dirname(resolve(path)), { recursive: true });
      writeFileSync(resolve(path), content);
      summaryFiles.push(path);
    }
  }
} catch (error) {
  recordError("run", error);
}

const checks = [...state.checks].map(([name, c]) => ({ name, ...c }));
const report: AdapterReport = {
  script,
  checks,
  errors: state.errors,
  samples: Object.fromEntries([...state.metrics].map(([name, m]) => [name, m.values.length])),
  summaryFiles,
  ok: state.errors.length === 0 && checks.length > 0 && checks.every((c) => c.fails === 0),
};
if (values.report) writeFileSync(values.report, JSON.stringify(report, null, 2));
for (const c of checks) console.log(`${c.fails === 0 ? "✓" : "✗"} ${c.name} (${c.passes} passed, ${c.fails} failed)`);
for (const e of state.errors) console.log(`error: ${e}`);
console.log(report.ok ? "k6 adapter: every check passed" : "k6 adapter: FAILED");
process.exit(report.ok ? 0 : 1);
