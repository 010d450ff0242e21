// `npm run bench`: Plaza's router, stock Apollo Gateway and Hive Gateway over the same subgraph processes, same
// queries, rounds interleaved (A, B, C, A, B, C …) after a warm-up per target; req/s, p50/p95/p99, errors, CPU µs
// per request of every process (each gateway, each subgraph, the load generator: this process, labelled by the npm
// script), an identical-data check per workload, and Plaza / other ratios. Writes
// loadtest/results/bench-<YYYY-MM-DD>.{json,md,svg} (`-partial` added for a run of some workloads or targets); exits 1 after writing them if any answers differed.
// Usage: see USAGE in options.ts (or `npm run bench -- --help`).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startCountersBenchStack } from "../counters-bench-stack.ts";
import { startEcommerceSubgraphs, type SubgraphTraffic } from "../ecommerce/start-ecommerce.ts";
import { compare } from "../measure.ts";
import { repoRoot } from "../process-stack.ts";
import {
  startTarget,
  targetSettings,
  TARGET_IDS,
  TARGET_NAMES,
  type RunningTarget,
  type TargetId,
  type Upstream,
} from "./gateways.ts";
import { ensureHiveInstalled, rustPlannerUnavailable } from "./hive.ts";
import { gitCommit, machineInfo } from "./machine.ts";
import { parseBenchOptions, USAGE, type BenchOptions } from "./options.ts";
import {
  ratiosOf,
  renderMarkdown,
  renderSvg,
  type BenchReport,
  type SubgraphTrafficPerRequest,
  type WorkloadResult,
} from "./report.ts";
import { compareAnswers } from "./same-data.ts";
import { ECOMMERCE_WORKLOAD, PLAZA_WORKLOAD_IDS, plazaWorkloads, seedPlaza, WORKLOAD_IDS, type Workload } from "./workloads.ts";

// Children must not inherit the load generator's label (the npm script sets it for this process only).
delete process.env.BENCH_PROCESS_LABEL;
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

if (process.argv.includes("--help")) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
let options: BenchOptions;
try {
  options = parseBenchOptions(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
  process.exit(2);
}

const report: BenchReport = {
  date: new Date().toISOString(),
  commit: gitCommit(),
  machine: machineInfo(),
  settings: {
    durationSeconds: options.durationSeconds,
    rounds: options.rounds,
    warmUpSeconds: options.warmUpSeconds,
    plazaConnections: options.plazaConnections,
    ecommerceConnections: options.ecommerceConnections,
    subgraphDedupe: options.subgraphDedupe,
    inboundDedupe: options.inboundDedupe,
    plazaSeed: `${options.authors} authors × ${options.postsPerAuthor} posts, one viewer following them all`,
    plazaTopology: "split (each subgraph its own process)",
  },
  targets: [],
  skipped: [],
  workloads: [],
  ratios: [],
};

let targetIds = options.targets;
if (targetIds.some((id) => id.startsWith("hive-gateway"))) {
  ensureHiveInstalled(log);
  const unavailable = targetIds.includes("hive-gateway-rust") ? rustPlannerUnavailable() : undefined;
  if (unavailable) {
    log(`skipping ${TARGET_NAMES["hive-gateway-rust"]}: ${unavailable}`);
    report.skipped.push({ target: TARGET_NAMES["hive-gateway-rust"], reason: unavailable });
    targetIds = targetIds.filter((id) => id !== "hive-gateway-rust");
  }
}
report.targets = targetIds.map((id) => ({ name: TARGET_NAMES[id], settings: targetSettings(id, options) }));

/** Subgraph traffic so far, summed over subgraphs (the e-commerce subgraphs count theirs). */
type TrafficReader = () => Promise<Record<string, SubgraphTraffic>>;

/**
 * The workload's first request through every target; their answers must agree. With `readTraffic`, also what that
 * one request made each target send its subgraphs.
 */
async function checkSameData(workload: Workload, targets: readonly RunningTarget[], readTraffic?: TrafficReader) {
  const answers = [];
  const traffic: SubgraphTrafficPerRequest[] = [];
  for (const target of targets) {
    const before = readTraffic && sumTraffic(await readTraffic());
    const response = await fetch(target.url, {
      method: "POST",
      headers: { "content-type": "application/json", ...target.headers },
      body: workload.bodies[0],
    });
    const text = await response.text();
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { nonJson: text.slice(0, 200) };
    }
    answers.push({ target: target.name, body: response.status === 200 ? body : { ...body, httpStatus: response.status } });
    if (readTraffic && before) {
      const after = sumTraffic(await readTraffic());
      traffic.push({
        target: target.name,
        requests: after.requests - before.requests,
        representations: after.representations - before.representations,
        requestBytes: after.requestBytes - before.requestBytes,
      });
    }
  }
  return { check: compareAnswers(answers, workload.volatile), traffic };
}

function sumTraffic(bySubgraph: Record<string, SubgraphTraffic>): SubgraphTraffic {
  const total = { requests: 0, representations: 0, requestBytes: 0 };
  for (const t of Object.values(bySubgraph)) {
    total.requests += t.requests;
    total.representations += t.representations;
    total.requestBytes += t.requestBytes;
  }
  return total;
}

async function runWorkloads(
  workloads: readonly Workload[],
  targets: readonly RunningTarget[],
  connections: readonly number[],
  readTraffic?: TrafficReader,
) {
  for (const workload of workloads) {
    for (const n of connections) {
      let { check, traffic } = await checkSameData(workload, targets, readTraffic);
      if (!check.identical) {
        // A gateway may still be draining the previous run's backlog (its answer then fails): ask once more, later.
        await new Promise((resolve) => setTimeout(resolve, 5_000));
        ({ check, traffic } = await checkSameData(workload, targets, readTraffic));
      }
      log(`${workload.title} @${n}: answers ${check.identical ? "identical" : `DIFFER (${JSON.stringify(check.mismatches)})`}`);
      const results = await compare(
        targets.map((t) => ({ name: t.name, url: t.url, body: workload.bodies, headers: t.headers, countGraphQLErrors: true })),
        {
          connections: n,
          durationSeconds: options.durationSeconds,
          rounds: options.rounds,
          warmUpSeconds: options.warmUpSeconds,
          settle: true,
        },
      );
      const result: WorkloadResult = {
        id: connections.length > 1 ? `${workload.id}@${n}` : workload.id,
        title: workload.title,
        connections: n,
        results,
        check,
        checkNote: workload.checkNote,
        ...(traffic.length > 0 && { subgraphTraffic: traffic }),
      };
      report.workloads.push(result);
      log(`${workload.title} @${n}: ${results.map((r) => `${r.name} ${r.requestsPerSecond} req/s`).join(", ")}`);
    }
  }
}

async function startTargets(ids: readonly TargetId[], upstream: Upstream): Promise<RunningTarget[]> {
  const started: RunningTarget[] = [];
  try {
    for (const id of ids) started.push(await startTarget(id, upstream, options));
    return started;
  } catch (error) {
    await Promise.allSettled(started.map((t) => t.stop()));
    throw error;
  }
}

const plazaSelected = options.workloads.filter((id) => (PLAZA_WORKLOAD_IDS as readonly string[]).includes(id));
try {
  if (plazaSelected.length > 0) {
    log("starting Plaza: Postgres, Redis and Kafka (throw-away, or the PLAZA_TEST_* ones), each subgraph in its own process…");
    const bench = await startCountersBenchStack(
      {
        RESPONSE_CACHE_ENABLED: "false", // the stack's own router only seeds; the measured routers are started below
        ARGON2_MEMORY_KIB: "4096", // seeding signs up 51 users; this does not touch what is measured
        ARGON2_TIME_COST: "1",
      },
      { topology: "split" },
    );
    let targets: RunningTarget[] = [];
    try {
      const started = performance.now();
      const seed = await seedPlaza(bench.stack.routerUrl, options.authors, options.postsPerAuthor);
      log(`seeded in ${Math.round((performance.now() - started) / 1000)} s`);
      const supergraphSdl = readFileSync(join(repoRoot, "router/supergraph.graphql"), "utf8");
      targets = await startTargets(targetIds, { kind: "plaza", stack: bench.stack, viewer: seed.viewer, supergraphSdl });
      const workloads = plazaWorkloads(seed).filter((w) => plazaSelected.includes(w.id));
      await runWorkloads(workloads, targets, options.plazaConnections);
    } finally {
      await Promise.allSettled(targets.map((t) => t.stop()));
      await bench.stop();
    }
  }
  if (options.workloads.includes("ecommerce")) {
    log("starting the e-commerce subgraphs…");
    const ecommerce = await startEcommerceSubgraphs();
    let targets: RunningTarget[] = [];
    try {
      // The response cache is Plaza's own feature, not part of this like-for-like workload.
      const ids = targetIds.filter((id) => id !== "plaza-cached");
      targets = await startTargets(ids, { kind: "plain", supergraphPath: ecommerce.supergraphPath });
      await runWorkloads([ECOMMERCE_WORKLOAD], targets, options.ecommerceConnections, ecommerce.traffic);
    } finally {
      await Promise.allSettled(targets.map((t) => t.stop()));
      await ecommerce.stop();
    }
  }
} finally {
  report.ratios = ratiosOf(report.workloads);
  const dir = join(repoRoot, "loadtest/results");
  mkdirSync(dir, { recursive: true });
  // A run of some workloads or targets only must not replace the day's full report (the one the README quotes).
  const partial = options.workloads.length < WORKLOAD_IDS.length || options.targets.length < TARGET_IDS.length;
  const base = join(dir, `bench-${report.date.slice(0, 10)}${partial ? "-partial" : ""}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  const markdown = renderMarkdown(report);
  writeFileSync(`${base}.md`, markdown);
  writeFileSync(`${base}.svg`, renderSvg(report));
  process.stdout.write(`${markdown}\nwritten: ${base}.{json,md,svg}\n`);
}
if (report.workloads.some((w) => !w.check.identical)) {
  log("some targets answered differently: see the report's identical-data section");
  process.exit(1);
}
