// This checkout's router against another revision's, over the same subgraphs and data, in the same run:
//   npx tsx loadtest/src/router-revisions.ts --baseline /path/to/other/checkout [--connections 50] [--duration 10]
//     [--rounds 3] [--warmup 3] [--scenarios hit,miss,feed,feed-joined,direct,increment]
//     [--cpu-prof current|baseline|both] [--cpu-prof-dir DIR]
// `--baseline` is another worktree of this repository with its own node_modules (e.g. `git worktree add`): its
// `router/src/index.ts` runs from there, with its tsx and its packages. One stack of this checkout (split topology:
// every subgraph in its own process) over throw-away Postgres, Redis and Kafka — or the test services that
// PLAZA_TEST_POSTGRES_URL / PLAZA_TEST_REDIS_URL / PLAZA_TEST_KAFKA_BROKERS name — is seeded through its own router;
// then, per router setting, two more routers start alike (same env, same subgraphs): "current" from this checkout,
// "baseline" from the other. Rounds alternate A B, B A, … so drift on a shared box hits both alike; each round
// yields a same-run ratio current / baseline, and the spread of those ratios across rounds is the noise to beat.
// Writes loadtest/results/router-revisions.json and prints a Markdown table.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { isolatedSubgraphEnv, startBenchServices, until } from "./bench-services.ts";
import { BENCH_COUNTER_LIMITS, scrape } from "./counters-bench-stack.ts";
import { measure, type Measurement, type Target } from "./measure.ts";
import { descendantCpu } from "./process-cpu.ts";
import { repoRoot, startProcessStack, startRouterVariant, type ProcessStack } from "./process-stack.ts";
import { inParallel } from "./public-api.ts";

const SCENARIOS = ["hit", "miss", "feed", "feed-joined", "direct", "increment"] as const;
type ScenarioName = (typeof SCENARIOS)[number];

const { values } = parseArgs({
  options: {
    baseline: { type: "string" },
    connections: { type: "string", default: "50" },
    duration: { type: "string", default: "10" },
    rounds: { type: "string", default: "3" },
    warmup: { type: "string", default: "3" },
    scenarios: { type: "string", default: SCENARIOS.join(",") },
    authors: { type: "string", default: "20" },
    "posts-per-author": { type: "string", default: "5" },
    "cpu-prof": { type: "string" },
    "cpu-prof-dir": { type: "string", default: join(repoRoot, "loadtest/results/profiles") },
  },
});
if (!values.baseline) throw new Error("--baseline <path of the other checkout> is required");
const baselineDir = resolve(values.baseline);
const connections = Number(values.connections);
const durationSeconds = Number(values.duration);
const rounds = Number(values.rounds);
const warmUpSeconds = Number(values.warmup);
const authorCount = Number(values.authors);
const postsPerAuthor = Number(values["posts-per-author"]);
const selected = values.scenarios!.split(",").map((name) => {
  if (!(SCENARIOS as readonly string[]).includes(name)) throw new Error(`unknown scenario ${name} (${SCENARIOS.join(", ")})`);
  return name as ScenarioName;
});
// A directory per router process: node writes one profile per thread (the main thread, and tsx's loader thread).
const profiled = (variant: "current" | "baseline") =>
  values["cpu-prof"] === variant || values["cpu-prof"] === "both"
    ? ["--cpu-prof", `--cpu-prof-dir=${join(values["cpu-prof-dir"]!, `${variant}-${Date.now()}`)}`]
    : [];

const POST = "query PostById($id: ID!) { post(id: $id) { body author { displayName } likeCount } }";
/** feed-read.ts's feed: the posts subgraph alone can answer it (`author { id }` is the key). */
const FEED =
  "query Feed { feed(first: 20) { edges { cursor node { id body createdAt author { id } } } pageInfo { hasNextPage endCursor } } }";
/** The same page joined with users and counters: three subgraphs, entity fetches. */
const FEED_JOINED =
  "query FeedJoined { feed(first: 20) { edges { cursor node { id body createdAt author { id handle displayName } likeCount } } pageInfo { hasNextPage endCursor } } }";
/** user-by-id.ts's query: one subgraph, the client's own selection (single-fetch-direct). */
const USER = "query UserById($id: ID!) { user(id: $id) { id handle displayName bio createdAt } }";
const INCREMENT = "mutation Increment($input: IncrementCounterInput!) { incrementCounter(input: $input) { value } }";

/** Router settings shared by both variants of a group; each group gets its own pair of routers. */
const GROUPS: Array<{ name: string; env: Record<string, string>; scenarios: ScenarioName[] }> = [
  { name: "response cache on", env: {}, scenarios: ["hit", "feed", "feed-joined", "increment"] },
  // Every lookup misses (entries expire after 1 ms), yet each result is still analysed, tagged and stored.
  { name: "response cache TTL 1 ms", env: { RESPONSE_CACHE_DEFAULT_TTL_MS: "1" }, scenarios: ["miss"] },
  { name: "response cache off", env: { RESPONSE_CACHE_ENABLED: "false" }, scenarios: ["direct"] },
];

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  const text = await response.text();
  if (!response.ok) throw new Error(`${response.status}: ${text.slice(0, 300)}`);
  return text;
}

async function gql<T>(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const text = await post(url, JSON.stringify({ query, variables }), token ? { authorization: `Bearer ${token}` } : {});
  const result = JSON.parse(text) as { data?: T; errors?: unknown };
  if (result.errors || !result.data) throw new Error(`${query.slice(0, 50)}…: ${JSON.stringify(result.errors)}`);
  return result.data;
}

function gitRevision(dir: string): string {
  try {
    const head = execFileSync("git", ["-C", dir, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["-C", dir, "status", "--porcelain", "--untracked-files=no"], { encoding: "utf8" }).trim();
    return dirty ? `${head}+changes` : head;
  } catch {
    return "unknown";
  }
}

/** What the router counted meanwhile: operations answered with the subgraph's own response, and cache lookups. */
async function routerCounters(routerUrl: string) {
  const metricsUrl = routerUrl.replace(/\/graphql$/, "/metrics");
  const [direct, hits, misses] = await Promise.all([
    scrape(metricsUrl, "plaza_router_single_fetch_direct_total"),
    scrape(metricsUrl, "plaza_router_response_cache_lookups_total", { result: "hit" }),
    scrape(metricsUrl, "plaza_router_response_cache_lookups_total", { result: "miss" }),
  ]);
  return { direct, hits, misses };
}

interface Run {
  variant: "current" | "baseline";
  round: number;
  requestsPerSecond: number;
  requests: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  routerCpuUsPerRequest: number;
  /** The stack's other processes (subgraphs; loadtest for the load generator), µs per request. */
  otherCpuUsPerRequest: Record<string, number>;
}

interface VariantSummary {
  requestsPerSecond: number;
  routerCpuUsPerRequest: number;
  p99Ms: number;
  errors: number;
  requests: number;
  /** Router metrics over the scenario (warm-up included): the path the requests took. */
  singleFetchDirect: number;
  cacheHits: number;
  cacheMisses: number;
}

interface Spread {
  median: number;
  min: number;
  max: number;
  rounds: number[];
}

interface ScenarioResult {
  name: ScenarioName;
  label: string;
  routers: string;
  sameAnswer: boolean;
  current: VariantSummary;
  baseline: VariantSummary;
  rpsRatio: Spread;
  routerCpuRatio: Spread;
  runs: Run[];
}

/** One autocannon run, with the CPU the router process (`pid`) spent meanwhile. */
async function measureRouter(target: Target, pid: number, seconds: number): Promise<{ m: Measurement; routerCpuMs: number }> {
  const before = descendantCpu(pid).get("router") ?? 0;
  const m = await measure(target, { connections, durationSeconds: seconds });
  const after = descendantCpu(pid).get("router") ?? 0;
  return { m, routerCpuMs: after - before };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const round3 = (x: number) => Number(x.toFixed(3));

const services = await startBenchServices();
let stack: ProcessStack | undefined;
const running: Array<{ stop(): Promise<void> }> = [];
try {
  const run = Date.now().toString(36);
  stack = await startProcessStack(
    {
      ...(await isolatedSubgraphEnv(services)),
      REDIS_URL: services.redisUrl,
      REDIS_KEY_PREFIX: `bench-rev-${run}:`,
      KAFKA_BROKERS: services.kafkaBrokers.join(","),
      KAFKA_GROUP_PREFIX: `bench-rev-${run}.`,
      SEED_DEMO_DATA: "false",
      // Identical in-flight requests must not collapse into one fetch: each request does its own work.
      SUBGRAPH_FETCH_DEDUPE: "false",
      // One viewer increments the same posts thousands of times a second: the limiter runs but never refuses.
      ...BENCH_COUNTER_LIMITS,
      ARGON2_MEMORY_KIB: "4096",
      ARGON2_TIME_COST: "1",
    },
    { topology: "split" },
  );
  const seedUrl = stack.routerUrl;

  // Seeding through the stack's own router: a viewer following `authorCount` authors of `postsPerAuthor` posts each.
  const seedStarted = performance.now();
  const signUp = (i: number) =>
    gql<{ signUp: { token: string; user: { id: string } } }>(
      seedUrl,
      "mutation ($input: SignUpInput!) { signUp(input: $input) { token user { id } } }",
      {
        input: {
          email: `rev${run}_${i}@bench.local`,
          password: "bench-password-1",
          handle: `rev${run}_${i}`,
          displayName: `Bench ${i}`,
        },
      },
    ).then((data) => ({ token: data.signUp.token, id: data.signUp.user.id }));
  const [viewer, ...authors] = await inParallel(
    Array.from({ length: authorCount + 1 }, (_, i) => i),
    8,
    signUp,
  );
  await inParallel(authors, 8, (author) =>
    gql(seedUrl, "mutation ($id: ID!) { follow(userId: $id) { id } }", { id: author.id }, viewer!.token),
  );
  const jobs = authors.flatMap((author) => Array.from({ length: postsPerAuthor }, (_, n) => ({ author, n })));
  const postIds = await inParallel(jobs, 8, async ({ author, n }) => {
    const { createPost } = await gql<{ createPost: { id: string } }>(
      seedUrl,
      "mutation ($body: String!) { createPost(input: { body: $body }) { id } }",
      { body: `post ${n} by ${author.id}: ${"lorem ipsum ".repeat(8)}` },
      author.token,
    );
    return createPost.id;
  });
  const newest = [...postIds].sort().reverse().slice(0, 20);
  await until(async () => {
    const { feed } = await gql<{ feed: { edges: Array<{ node: { id: string } }> } }>(
      seedUrl,
      "{ feed(first: 20) { edges { node { id } } } }",
      {},
      viewer!.token,
    );
    return feed.edges.map((e) => e.node.id).join() === newest.join();
  }, "the viewer's feed to hold the newest posts (fan-out caught up)");
  // The counters subgraph learns of posts from PostCreated events: likeCount and incrementCounter need it to know each.
  await inParallel(postIds, 4, (id) =>
    until(async () => {
      const text = await post(
        seedUrl,
        JSON.stringify({ query: INCREMENT, variables: { input: { resourceId: id, type: "VIEW", delta: 1 } } }),
        {
          authorization: `Bearer ${viewer!.token}`,
        },
      );
      return !text.includes('"errors"');
    }, `post ${id} to reach the counters subgraph`),
  );
  console.log(
    `seeded ${authorCount} authors × ${postsPerAuthor} posts, followed by one viewer, in ${Math.round((performance.now() - seedStarted) / 1000)} s`,
  );

  const auth = { authorization: `Bearer ${viewer!.token}` };
  const bodies: Record<ScenarioName, { label: string; body: string | string[]; headers?: Record<string, string> }> = {
    hit: {
      label: "cache hit: post(id), one id (L1 fast path)",
      body: JSON.stringify({ query: POST, operationName: "PostById", variables: { id: postIds[0] } }),
    },
    miss: {
      label: `cache miss: post(id), ${postIds.length} ids, TTL 1 ms`,
      body: postIds.map((id) => JSON.stringify({ query: POST, operationName: "PostById", variables: { id } })),
    },
    feed: {
      label: "feed(first: 20), signed in (feed-read.ts)",
      body: JSON.stringify({ query: FEED, operationName: "Feed" }),
      headers: auth,
    },
    "feed-joined": {
      label: "feed(first: 20) + author + likeCount, signed in",
      body: JSON.stringify({ query: FEED_JOINED, operationName: "FeedJoined" }),
      headers: auth,
    },
    direct: {
      label: "user(id), response cache off (single-fetch-direct)",
      body: JSON.stringify({ query: USER, operationName: "UserById", variables: { id: authors[0]!.id } }),
    },
    increment: {
      label: `incrementCounter, signed in, ${postIds.length} counters`,
      body: postIds.map((resourceId) =>
        JSON.stringify({ query: INCREMENT, variables: { input: { resourceId, type: "VIEW", delta: 1 } } }),
      ),
      headers: auth,
    },
  };

  const scenarios: ScenarioResult[] = [];
  for (const group of GROUPS) {
    const wanted = group.scenarios.filter((name) => selected.includes(name));
    if (wanted.length === 0) continue;
    // Alike but for the checkout: same env, started one after the other, warmed up alike.
    const current = await startRouterVariant(stack, group.env, { nodeArgs: profiled("current") });
    running.push(current);
    const baseline = await startRouterVariant(stack, group.env, { cwd: baselineDir, nodeArgs: profiled("baseline") });
    running.push(baseline);
    const variants = { current, baseline };
    for (const name of wanted) {
      const spec = bodies[name];
      const target = (variant: "current" | "baseline"): Target => ({
        name: `${name} ${variant}`,
        url: variants[variant].url,
        body: spec.body,
        headers: spec.headers,
      });
      // Both answer every body, without errors, and (reads) with the same bytes.
      const first = typeof spec.body === "string" ? spec.body : spec.body[0]!;
      const answers = await Promise.all(
        (["current", "baseline"] as const).map((v) => post(variants[v].url, first, spec.headers)),
      );
      for (const answer of answers)
        if (answer.includes('"errors"')) throw new Error(`${name}: a router answers with errors: ${answer.slice(0, 300)}`);
      const sameAnswer = name === "increment" || answers[0] === answers[1];
      if (!sameAnswer)
        console.warn(`${name}: the routers answer differently:\n  current  ${answers[0]}\n  baseline ${answers[1]}`);

      const countersBefore = {
        current: await routerCounters(current.url),
        baseline: await routerCounters(baseline.url),
      };
      for (const v of ["current", "baseline"] as const) await measure(target(v), { connections, durationSeconds: warmUpSeconds });
      const runs: Run[] = [];
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 === 0 ? (["current", "baseline"] as const) : (["baseline", "current"] as const);
        for (const v of order) {
          const { m, routerCpuMs } = await measureRouter(target(v), variants[v].pid, durationSeconds);
          const perRequest = (ms: number) => Math.round((ms * 1000) / Math.max(1, m.requests));
          runs.push({
            variant: v,
            round: r,
            requestsPerSecond: Math.round(m.requestsPerSecond),
            requests: m.requests,
            errors: m.errors + m.non2xx,
            p50Ms: m.p50Ms,
            p99Ms: m.p99Ms,
            routerCpuUsPerRequest: perRequest(routerCpuMs),
            // Every router process shares the label "router": only the other processes are told apart here.
            otherCpuUsPerRequest: Object.fromEntries(
              [...m.cpuMs].filter(([label]) => label !== "router").map(([label, ms]) => [label, perRequest(ms)]),
            ),
          });
        }
      }
      const countersAfter = {
        current: await routerCounters(current.url),
        baseline: await routerCounters(baseline.url),
      };
      const of = (v: "current" | "baseline") => runs.filter((run) => run.variant === v);
      const perRound = Array.from({ length: rounds }, (_, r) => {
        const [c, b] = [of("current")[r]!, of("baseline")[r]!];
        return { rps: c.requestsPerSecond / b.requestsPerSecond, cpu: c.routerCpuUsPerRequest / b.routerCpuUsPerRequest };
      });
      const summary = (v: "current" | "baseline"): VariantSummary => {
        const rs = of(v);
        const requests = rs.reduce((sum, run) => sum + run.requests, 0);
        return {
          requestsPerSecond: Math.round(rs.reduce((sum, run) => sum + run.requestsPerSecond, 0) / rs.length),
          // Weighted by requests: total router CPU over total requests.
          routerCpuUsPerRequest: Math.round(
            rs.reduce((sum, run) => sum + run.routerCpuUsPerRequest * run.requests, 0) / Math.max(1, requests),
          ),
          p99Ms: Number((rs.reduce((sum, run) => sum + run.p99Ms, 0) / rs.length).toFixed(1)),
          errors: rs.reduce((sum, run) => sum + run.errors, 0),
          requests,
          singleFetchDirect: countersAfter[v].direct - countersBefore[v].direct,
          cacheHits: countersAfter[v].hits - countersBefore[v].hits,
          cacheMisses: countersAfter[v].misses - countersBefore[v].misses,
        };
      };
      const spread = (xs: number[]): Spread => ({
        median: round3(median(xs)),
        min: round3(Math.min(...xs)),
        max: round3(Math.max(...xs)),
        rounds: xs.map(round3),
      });
      const result: ScenarioResult = {
        name,
        label: spec.label,
        routers: group.name,
        sameAnswer,
        current: summary("current"),
        baseline: summary("baseline"),
        /** current / baseline, per round (each pair measured back to back) and their median, min and max. */
        rpsRatio: spread(perRound.map((p) => p.rps)),
        routerCpuRatio: spread(perRound.map((p) => p.cpu)),
        runs,
      };
      scenarios.push(result);
      console.log(
        `${spec.label}: req/s ${result.baseline.requestsPerSecond} → ${result.current.requestsPerSecond} (×${result.rpsRatio.median}, ` +
          `${result.rpsRatio.min}–${result.rpsRatio.max}); router µs/req ${result.baseline.routerCpuUsPerRequest} → ` +
          `${result.current.routerCpuUsPerRequest} (×${result.routerCpuRatio.median}, ${result.routerCpuRatio.min}–${result.routerCpuRatio.max})`,
      );
    }
    await baseline.stop();
    await current.stop();
    running.length = 0;
  }

  const report = {
    scenario: "router revisions: this checkout's router (current) against another's (baseline), same subgraphs, same run",
    current: { dir: repoRoot, revision: gitRevision(repoRoot) },
    baseline: { dir: baselineDir, revision: gitRevision(baselineDir) },
    mode: "split topology; postgres + redis + kafka",
    connections,
    durationSeconds,
    rounds,
    warmUpSeconds,
    seeded: { authors: authorCount, postsPerAuthor },
    routerEnv: { SUBGRAPH_FETCH_DEDUPE: "false", groups: GROUPS.map(({ name, env }) => ({ name, env })) },
    scenarios,
    at: new Date().toISOString(),
  };
  const dir = join(repoRoot, "loadtest/results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "router-revisions.json"), JSON.stringify(report, null, 2));
  console.log(
    [
      ``,
      `current ${report.current.revision} / baseline ${report.baseline.revision}: ${connections} connections, ` +
        `${durationSeconds} s × ${rounds} rounds per router, alternating; ratios are current / baseline per round (median, min–max)`,
      ``,
      `| scenario | req/s baseline | req/s current | req/s ratio (min–max) | router CPU µs/req baseline | current | CPU ratio (min–max) | errors |`,
      `|---|---|---|---|---|---|---|---|`,
      ...scenarios.map(
        (r) =>
          `| ${r.label} | ${r.baseline.requestsPerSecond} | ${r.current.requestsPerSecond} | ${r.rpsRatio.median} (${r.rpsRatio.min}–${r.rpsRatio.max}) ` +
          `| ${r.baseline.routerCpuUsPerRequest} | ${r.current.routerCpuUsPerRequest} | ${r.routerCpuRatio.median} (${r.routerCpuRatio.min}–${r.routerCpuRatio.max}) ` +
          `| ${r.baseline.errors + r.current.errors} |`,
      ),
    ].join("\n"),
  );
} finally {
  await Promise.allSettled(running.map((router) => router.stop()));
  await stack?.stop();
  await services.stop();
}
