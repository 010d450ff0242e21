// `npm run loadtest -- <scenario> [options]`: runs loadtest/k6/<scenario>.ts with k6 when k6 is on PATH (users'
// own k6: it is AGPL and never installed on Plaza's machines); otherwise, or with --local, says how to install k6
// and runs the same scenario with the Node driver (autocannon for HTTP, `ws` for graphql-ws): the same operations
// and checks, VUs as connections, the scenario's duration or iterations (bounded), its thresholds applied, the same
// summary files, and this process's own CPU. Exit 1 when a threshold fails, 2 on bad arguments.
import { spawn } from "node:child_process";
import { accessSync, constants, mkdirSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { readConfig, type ScenarioConfig } from "../k6/lib/config.ts";
import { durationSeconds, isScenario, SCENARIOS, selectedLevels, SHAPES, type ScenarioName } from "../k6/lib/scenarios.ts";
import { RESULTS_DIR, summaryFiles, thresholdResults, type SummaryData } from "../k6/lib/summary.ts";
import { isLoopbackUrl, UsageError } from "./cli-args.ts";
import { runChat } from "./k6-local/chat-driver.ts";
import { runHttp } from "./k6-local/http-driver.ts";
import { Checks, metricsOf, summaryData, type Measured } from "./k6-local/results.ts";
import { setupSeeded } from "./k6-local/setup.ts";
import { stepsFor } from "./k6-local/steps.ts";
import { withCpu } from "./process-cpu.ts";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const K6_INSTALL_URL = "https://grafana.com/docs/k6/latest/set-up/install-k6/";
/** Longest a Node-driver scenario runs, whatever --duration says (every load loop here is bounded). */
export const MAX_LOCAL_SECONDS = 300;

const USAGE = `usage: npm run loadtest -- <scenario> [--local] [--url URL] [--seed S] [--viewers N] [--vus N] [--duration 30s]
                                [--level 1-5] [--max-level 1-5] [--messages N]
scenarios: ${SCENARIOS.join(", ")}`;

/** Flags and the scenario settings (k6's __ENV) they set. */
const FLAG_ENV: Record<string, string> = {
  url: "PLAZA_URL",
  "ws-url": "PLAZA_WS_URL",
  seed: "PLAZA_SEED",
  viewers: "PLAZA_VIEWERS",
  vus: "PLAZA_VUS",
  duration: "PLAZA_DURATION",
  level: "PLAZA_LEVEL",
  "max-level": "PLAZA_MAX_LEVEL",
  messages: "PLAZA_CHAT_MESSAGES",
};

export interface Plan {
  scenario: ScenarioName;
  mode: "k6" | "local";
  /** The scenario's settings as environment variables (k6's __ENV; the Node driver reads the same). */
  env: Record<string, string>;
  config: ScenarioConfig;
}

/** What a command line asks for; throws UsageError (with the scenario list where useful) for anything wrong. */
export function planRun(args: string[], env: Record<string, string | undefined>, k6OnPath: boolean): Plan {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        local: { type: "boolean", default: false },
        ...Object.fromEntries(Object.keys(FLAG_ENV).map((flag) => [flag, { type: "string" as const }])),
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`);
  }
  const [scenario, ...rest] = parsed.positionals;
  if (!scenario || rest.length > 0) throw new UsageError(USAGE);
  if (!isScenario(scenario)) throw new UsageError(`unknown scenario ${JSON.stringify(scenario)}\n${USAGE}`);
  const scenarioEnv: Record<string, string> = {};
  for (const [name, value] of Object.entries(env))
    if (name.startsWith("PLAZA_") && value !== undefined) scenarioEnv[name] = value;
  for (const [flag, name] of Object.entries(FLAG_ENV)) {
    const value = (parsed.values as Record<string, string | boolean | undefined>)[flag];
    if (typeof value === "string") scenarioEnv[name] = value;
  }
  let config: ScenarioConfig;
  try {
    config = readConfig(scenarioEnv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const mode = k6OnPath && !parsed.values.local ? "k6" : "local";
  if (mode === "local") {
    for (const url of [config.url, config.wsUrl])
      if (!isLoopbackUrl(url))
        throw new UsageError(`refusing a non-loopback target: ${url} (the Node driver loads 127.0.0.0/8 or ::1 only)`);
    if (config.duration !== undefined && durationSeconds(config.duration) > MAX_LOCAL_SECONDS)
      throw new UsageError(`--duration: the Node driver runs at most ${MAX_LOCAL_SECONDS}s`);
  }
  return { scenario, mode, env: scenarioEnv, config };
}

function onPath(program: string, path = process.env.PATH ?? ""): boolean {
  return path.split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function runK6(plan: Plan): Promise<number> {
  return new Promise((done) => {
    const child = spawn("k6", ["run", join("loadtest/k6", `${plan.scenario}.ts`)], {
      cwd: repoRoot,
      stdio: "inherit",
      env: { ...process.env, ...plan.env },
    });
    child.on("exit", (code) => done(code ?? 1));
    child.on("error", () => done(1));
  });
}

const pct = (rate: number | undefined) => `${((rate ?? 0) * 100).toFixed(2)}%`;
const ms = (value: number | undefined) => (value ?? 0).toFixed(1);

async function runLocal(plan: Plan): Promise<number> {
  const { scenario, config } = plan;
  const needs = {
    posts: ["counter-increment", "likes", "mixed", "progressive"].includes(scenario),
    conversations: ["chat-send-receive", "mixed", "progressive"].includes(scenario),
  };
  const setup = await setupSeeded(config.url, { seed: config.seed, viewers: config.viewers, ...needs });
  const checks = new Checks();
  const rows: Array<{ name: string; m: Measured; metrics: SummaryData["metrics"]; tag?: string }> = [];
  const { result: seconds, cpuMs } = await withCpu(process.pid, async () => {
    const started = Date.now();
    if (scenario === "progressive") {
      for (const level of selectedLevels(config)) {
        console.log(`level ${level.level}: ${level.iterations} requests at ${level.vus} connections`);
        const m = await runHttp(
          config.url,
          stepsFor(scenario, setup),
          { connections: level.vus, amount: level.iterations, maxSeconds: durationSeconds(level.maxDuration) },
          checks,
        );
        const tag = `level:${level.level}`;
        rows.push({ name: `level ${level.level}`, m, metrics: metricsOf(m, level.thresholds, tag), tag });
      }
    } else {
      const { shape, thresholds } = SHAPES[scenario];
      const connections = config.vus ?? shape.vus;
      const durationSec = Math.min(durationSeconds(config.duration ?? shape.duration), MAX_LOCAL_SECONDS);
      console.log(`${scenario}: ${connections} connections for ${durationSec} s`);
      const m =
        scenario === "chat-send-receive"
          ? await runChat(
              config.url,
              config.wsUrl,
              setup,
              { connections, durationSeconds: durationSec, messages: config.chatMessages },
              checks,
            )
          : await runHttp(
              config.url,
              stepsFor(scenario, setup),
              { connections, durationSeconds: durationSec, maxSeconds: durationSec + 30 },
              checks,
            );
      rows.push({ name: scenario, m, metrics: metricsOf(m, thresholds) });
    }
    return (Date.now() - started) / 1000;
  });
  const metrics = Object.assign({}, ...rows.map((r) => r.metrics)) as SummaryData["metrics"];
  const data = summaryData(metrics, checks, seconds);
  const requests = rows.reduce((sum, r) => sum + r.m.requests, 0);
  const driverMs = [...cpuMs.values()].reduce((sum, v) => sum + v, 0);
  const table = [
    "| run | requests | req/s | p95 ms | p99 ms | failed | checks | thresholds |",
    "|---|---|---|---|---|---|---|---|",
    ...rows.map(({ name, m, metrics: rm, tag }) => {
      const on = (metric: string) => rm[tag ? `${metric}{${tag}}` : metric];
      const judged = Object.entries(rm).flatMap(([, metric]) => Object.values(metric.thresholds ?? {}));
      return `| ${name} | ${m.requests} | ${(m.requests / Math.max(m.seconds, 0.001)).toFixed(0)} | ${ms(on("http_req_duration")?.values["p(95)"])} | ${ms(on("http_req_duration")?.values["p(99)"])} | ${pct(on("http_req_failed")?.values.rate)} | ${pct(on("checks")?.values.rate)} | ${judged.filter((t) => t.ok).length}/${judged.length} passed |`;
    }),
  ];
  const chat = metrics.chat_send_to_receive?.values;
  const notes = [
    `Driver: Node (autocannon for HTTP, ws for graphql-ws), \`npm run loadtest -- ${scenario} --local\`, against ${config.url}`,
    `Driver CPU (this process): ${driverMs.toFixed(0)} ms, ${((driverMs * 1000) / Math.max(requests, 1)).toFixed(0)} µs per request, ${((driverMs / 1000 / Math.max(seconds, 0.001)) * 100).toFixed(0)}% of one core`,
    ...(chat
      ? [
          `chat send → receive: p50 ${ms(chat.med)} ms, p95 ${ms(chat["p(95)"])} ms, p99 ${ms(chat["p(99)"])} ms (${chat.count} messages)`,
        ]
      : []),
  ];
  console.log(["", ...table, "", ...notes].join("\n"));
  const dir = process.env.PLAZA_RESULTS_DIR || join(repoRoot, RESULTS_DIR);
  const files = summaryFiles(scenario, data, dir, ["", ...table, "", ...notes.map((n) => `${n}  `)]);
  for (const [path, content] of Object.entries(files)) {
    if (path === "stdout") continue;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  const failed = thresholdResults(data).filter((t) => !t.ok);
  for (const t of failed) console.log(`threshold failed: ${t.metric} ${t.expression}`);
  console.log(`wrote ${join(dir, `k6-${scenario}.json`)} and .md`);
  return failed.length > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  let plan: Plan;
  try {
    plan = planRun(process.argv.slice(2), process.env, onPath("k6"));
  } catch (error) {
    console.error(error instanceof UsageError ? error.message : error);
    process.exit(2);
  }
  if (plan.mode === "k6") process.exit(await runK6(plan));
  if (!process.argv.includes("--local"))
    console.log(
      `k6 is not on PATH. To run the k6 script (loadtest/k6/${plan.scenario}.ts), install k6 v1.0 or later: ${K6_INSTALL_URL}\n` +
        "Running the same scenario with the Node driver instead (autocannon, ws).\n",
    );
  try {
    process.exit(await runLocal(plan));
  } catch (error) {
    console.error(`loadtest ${plan.scenario}: ${(error as Error).message}`);
    process.exit(1);
  }
}
