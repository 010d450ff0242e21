// 10,000 subscribers on one router process sharing one upstream subscription: how long from a mutation's
// acknowledgement until all of them have the event, and what the router holds per subscriber.
//   npx tsx loadtest/src/subscriptions/fanout-bench.ts [--subscribers 10000] [--rounds 10] [--processes 4] [--target test|counters]
// --target test (default): the router in its own process over two small subgraphs (Subscription.itemAdded owned by
// one, Item.score by the other). --target counters: `npm start` (the whole supergraph in one process) and
// `counterChanged` on one counter, the mutation being incrementCounter.
import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { BENCH_COUNTER_LIMITS } from "../counters-bench-stack.ts";
import { freePort, repoRoot, startProcessStack } from "../process-stack.ts";
import { startBenchSubgraphs } from "./bench-subgraphs.ts";
import { embeddedStackEnv } from "./embedded-env.ts";
import {
  histogramQuantiles,
  scrapeHistogram,
  scrapeMetric,
  startSubscriberProcesses,
  summarize,
  until,
  type SubscriberProcesses,
  type SubscriptionSpec,
} from "./subscriber-processes.ts";

const { values } = parseArgs({
  options: {
    subscribers: { type: "string", default: "10000" },
    rounds: { type: "string", default: "10" },
    processes: { type: "string", default: "4" },
    target: { type: "string", default: "test" },
  },
});
const subscribers = Number(values.subscribers);
const rounds = Number(values.rounds);
const target = values.target as "test" | "counters";
const now = () => performance.timeOrigin + performance.now();

interface Target {
  httpUrl: string;
  wsUrl: string;
  metricsUrl: string;
  describe: string;
  subscription: SubscriptionSpec;
  markerPath: string;
  /** Triggers one event and resolves at the mutation's acknowledgement with the event's marker. */
  trigger(round: number): Promise<string>;
  /** Router memory (after a full GC where the process allows it). */
  memory(): Promise<{ rss: number; heapUsed: number; gc: boolean; cpuMs?: number; userMs?: number }>;
  /** BENCH_CPU_PROF=<file>: profile the router during the measured rounds (test target only). */
  profile?(action: "start" | "stop"): Promise<void>;
  stop(): Promise<void>;
}

async function gql(url: string, query: string, variables: Record<string, unknown>, token?: string) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  if (body.errors) throw new Error(`${query.slice(0, 40)}…: ${JSON.stringify(body.errors)}`);
  return body.data!;
}

function ipc<T>(child: ChildProcess, message: unknown, type: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (reply: { type: string }) => {
      if (reply.type !== type) return;
      child.off("message", on);
      resolve(reply as T);
    };
    child.on("message", on);
    if (message) child.send(message as never);
  });
}

async function testTarget(): Promise<Target> {
  const internalAuthKey = randomBytes(32).toString("hex");
  const subgraphs = await startBenchSubgraphs(internalAuthKey);
  const dir = mkdtempSync(join(tmpdir(), "plaza-subs-bench-"));
  writeFileSync(join(dir, "supergraph.graphql"), subgraphs.supergraphSdl);
  const port = await freePort();
  const child = fork(fileURLToPath(new URL("./router-process.ts", import.meta.url)), [], {
    execArgv: ["--expose-gc", "--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: {
      ...process.env,
      NODE_ENV: "production",
      LOG_LEVEL: "warn",
      ROUTER_PORT: String(port),
      SUPERGRAPH_PATH: join(dir, "supergraph.graphql"),
      JWT_SECRET: randomBytes(32).toString("hex"),
      INTERNAL_AUTH_KEY: internalAuthKey,
    },
  });
  await ipc(child, undefined, "listening");
  const httpUrl = `http://127.0.0.1:${port}/graphql`;
  return {
    httpUrl,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    metricsUrl: `http://127.0.0.1:${port}/metrics`,
    describe: "router process over two test subgraphs (itemAdded + Item.score)",
    subscription: { query: "subscription ($c: String!) { itemAdded(channel: $c) { title score } }", variables: { c: "bench" } },
    markerPath: "itemAdded.title",
    async trigger(round) {
      const title = `round-${round}`;
      await gql(httpUrl, 'mutation ($t: String!) { publish(channel: "bench", title: $t) { id } }', { t: title });
      return title;
    },
    async memory() {
      const m = await ipc<{ rss: number; heapUsed: number; gc: boolean; cpu: { user: number; system: number } }>(
        child,
        { type: "memory" },
        "memory",
      );
      return { rss: m.rss, heapUsed: m.heapUsed, gc: m.gc, cpuMs: (m.cpu.user + m.cpu.system) / 1000, userMs: m.cpu.user / 1000 };
    },
    async profile(action) {
      if (action === "start") await ipc(child, { type: "profile-start" }, "profile-started");
      else await ipc(child, { type: "profile-stop", path: process.env.BENCH_CPU_PROF }, "profile-stopped");
    },
    async stop() {
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.send({ type: "stop" });
      });
      await subgraphs.stop();
    },
  };
}

async function countersTarget(): Promise<Target> {
  const stack = await startProcessStack(await embeddedStackEnv({ COUNTER_UPDATES_PER_SECOND: "1000", ...BENCH_COUNTER_LIMITS }));
  const httpUrl = stack.routerUrl;
  const metricsUrl = httpUrl.replace("/graphql", "/metrics");
  const handle = `bench${Date.now().toString(36)}`;
  const signUp = await gql(httpUrl, "mutation ($i: SignUpInput!) { signUp(input: $i) { token } }", {
    i: { email: `${handle}@example.com`, password: "correct-horse-9", handle, displayName: "Bench" },
  });
  const token = (signUp.signUp as { token: string }).token;
  // Views count only for live posts: a post of the bench user's, once the counters subgraph knows it.
  const created = await gql(httpUrl, "mutation ($b: String!) { createPost(input: { body: $b }) { id } }", { b: "bench" }, token);
  const resourceId = (created.createPost as { id: string }).id;
  await until(
    async () => {
      try {
        await gql(httpUrl, "mutation ($id: ID!) { likePost(postId: $id) { id } }", { id: resourceId }, token);
        return true;
      } catch {
        return false;
      }
    },
    "bench post known to the counters subgraph",
    30_000,
    50,
  );
  await gql(httpUrl, "mutation ($id: ID!) { unlikePost(postId: $id) { id } }", { id: resourceId }, token);
  return {
    httpUrl,
    wsUrl: httpUrl.replace("http://", "ws://"),
    metricsUrl,
    describe: "npm start (embedded, router and subgraphs in one process), counterChanged on one counter",
    subscription: {
      query: "subscription ($r: ID!) { counterChanged(resourceId: $r, type: VIEW) { value } }",
      variables: { r: resourceId },
    },
    markerPath: "counterChanged.value",
    async trigger() {
      const data = await gql(
        httpUrl,
        "mutation ($r: ID!) { incrementCounter(input: { resourceId: $r, type: VIEW, delta: 1 }) { value } }",
        { r: resourceId },
        token,
      );
      return String((data.incrementCounter as { value: number }).value);
    },
    async memory() {
      return {
        rss: await scrapeMetric(metricsUrl, "plaza_router_process_resident_memory_bytes"),
        heapUsed: await scrapeMetric(metricsUrl, "plaza_router_nodejs_heap_size_used_bytes"),
        gc: false,
      };
    },
    stop: () => stack.stop(),
  };
}

interface RoundsResult {
  ackToAllDelivered: ReturnType<typeof summarize>;
  /**
   * From sending the mutation: an upper bound. Where the router shares its process (and event loop) with the
   * subgraphs (`npm start`), the acknowledgement itself waits behind the fan-out and events may arrive before it.
   */
  sendToAllDelivered: ReturnType<typeof summarize>;
  worstRoundMaxMs: number;
  perRound: Array<ReturnType<typeof summarize> & { missing: number }>;
}

/** Triggers `rounds` events one after the other; latency = arrival at each subscriber − the trigger's ack. */
async function measureRounds(processes: SubscriberProcesses, trigger: (round: number) => Promise<string>): Promise<RoundsResult> {
  const perRound: RoundsResult["perRound"] = [];
  const all: number[] = [];
  const fromSend: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const { received: base } = await processes.stats();
    const sentAt = now();
    const marker = await trigger(round);
    const ackAt = now();
    await until(
      async () => (await processes.stats()).received >= base + subscribers,
      `round ${round} delivered`,
      60_000,
      10,
    ).catch(() => undefined);
    const times = await processes.collect(marker);
    const latencies = times.map((at) => Math.max(0, at - ackAt));
    all.push(...latencies);
    fromSend.push(...times.map((at) => at - sentAt));
    perRound.push({ ...summarize(latencies), missing: subscribers - times.length });
    // Let the system settle between rounds (and stay under any per-subscriber rate limit).
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    ackToAllDelivered: summarize(all),
    sendToAllDelivered: summarize(fromSend),
    worstRoundMaxMs: Math.max(...perRound.map((r) => r.maxMs)),
    perRound,
  };
}

async function baseline(processes: SubscriberProcesses, markerPath: string): Promise<RoundsResult> {
  const child = fork(fileURLToPath(new URL("./bare-broadcaster.ts", import.meta.url)), [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, MARKER_PATH: markerPath },
  });
  const { port } = await ipc<{ port: number }>(child, undefined, "listening");
  try {
    await processes.open(
      `ws://127.0.0.1:${port}`,
      Array.from({ length: subscribers }, () => ({ query: "subscription { x }" })),
      markerPath,
    );
    await until(
      async () => (await ipc<{ count: number }>(child, { type: "count" }, "count")).count === subscribers,
      "baseline subscribers",
    );
    return await measureRounds(processes, async (round) => {
      const marker = `baseline-${round}`;
      await ipc(child, { type: "broadcast", marker }, "broadcasting");
      return marker;
    });
  } finally {
    child.kill();
  }
}

const t = target === "counters" ? await countersTarget() : await testTarget();
let routerPhase: { report: Record<string, unknown>; rounds: RoundsResult } | undefined;
try {
  const processes = await startSubscriberProcesses(Number(values.processes));
  try {
    // Warm up: plan cache, upstream connection, JIT.
    const warm = await startSubscriberProcesses(1);
    await warm.open(t.wsUrl, [t.subscription], t.markerPath);
    await until(
      async () => (await scrapeMetric(t.metricsUrl, "plaza_router_subscriptions_active")) === 1,
      "warm-up subscription",
    );
    await warm.collect(await t.trigger(-1));
    await warm.close();
    await until(async () => (await scrapeMetric(t.metricsUrl, "plaza_router_subscriptions_active")) === 0, "warm-up released");

    const before = await t.memory();
    const openStarted = Date.now();
    const opened = await processes.open(
      t.wsUrl,
      Array.from({ length: subscribers }, () => t.subscription),
      t.markerPath,
    );
    await until(
      async () => (await scrapeMetric(t.metricsUrl, "plaza_router_subscriptions_active")) === subscribers,
      `${subscribers} active subscriptions`,
      300_000,
      250,
    );
    const openSeconds = (Date.now() - openStarted) / 1000;
    const upstream = await scrapeMetric(t.metricsUrl, "plaza_router_upstream_subscriptions_active");
    const after = await t.memory();

    const LATENCY = "plaza_router_subscription_delivery_latency_seconds";
    const histogramBefore = await scrapeHistogram(t.metricsUrl, LATENCY);
    if (process.env.BENCH_CPU_PROF) await t.profile?.("start");
    const measured = await measureRounds(processes, (round) => t.trigger(round));
    const routerDelivery = histogramQuantiles(histogramBefore, await scrapeHistogram(t.metricsUrl, LATENCY));
    if (process.env.BENCH_CPU_PROF) await t.profile?.("stop");
    const stats = await processes.stats();
    const end = await t.memory();
    // Router CPU time per event, all subscribers included (the pauses between rounds cost next to nothing).
    const cpuPerRound = (a?: number, b?: number) =>
      a === undefined || b === undefined ? undefined : Number(((b - a) / rounds).toFixed(1));
    routerPhase = {
      rounds: measured,
      report: {
        opened,
        openSeconds: Number(openSeconds.toFixed(1)),
        upstreamSubscriptions: upstream,
        routerReceivedToSent: routerDelivery,
        routerCpuMsPerEvent: cpuPerRound(after.cpuMs, end.cpuMs),
        routerUserCpuMsPerEvent: cpuPerRound(after.userMs, end.userMs),
        memory: {
          gcBeforeMeasuring: before.gc,
          rssBeforeMB: Number((before.rss / 2 ** 20).toFixed(1)),
          rssAfterMB: Number((after.rss / 2 ** 20).toFixed(1)),
          heapBeforeMB: Number((before.heapUsed / 2 ** 20).toFixed(1)),
          heapAfterMB: Number((after.heapUsed / 2 ** 20).toFixed(1)),
          rssPerSubscriberKB: Number(((after.rss - before.rss) / subscribers / 1024).toFixed(2)),
          heapPerSubscriberKB: Number(((after.heapUsed - before.heapUsed) / subscribers / 1024).toFixed(2)),
        },
        clientErrors: stats.errors,
        clientCloses: stats.closeCodes,
      },
    };
  } finally {
    await processes.close();
  }
} finally {
  await t.stop();
}

// The same subscriber processes and rounds against a bare ws broadcaster: the floor on this machine, right now.
const baselineProcesses = await startSubscriberProcesses(Number(values.processes));
let floor: RoundsResult;
try {
  floor = await baseline(baselineProcesses, t.markerPath);
} finally {
  await baselineProcesses.close();
}

const r = routerPhase.rounds.ackToAllDelivered;
const f = floor.ackToAllDelivered;
const report = {
  scenario: "subscriptions: fan-out of one shared stream",
  target: t.describe,
  subscribers,
  rounds,
  router: { ...routerPhase.report, ...routerPhase.rounds },
  bareWsBroadcast: floor,
  p99RouterToBare: Number((r.p99Ms / f.p99Ms).toFixed(2)),
  at: new Date().toISOString(),
};
const dir = join(repoRoot, "loadtest/results");
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, `subscriptions-fanout-${target}.json`), JSON.stringify(report, null, 2));
const rp = routerPhase.report as {
  routerReceivedToSent: { p50: string; p99: string };
  upstreamSubscriptions: number;
  openSeconds: number;
  routerCpuMsPerEvent?: number;
  memory: Record<string, number>;
  clientErrors: number;
  clientCloses: unknown;
};
console.log(
  [
    `${subscribers} subscribers (${t.describe}); ${rp.upstreamSubscriptions} upstream subscription(s); opened in ${rp.openSeconds} s`,
    `| ${rounds} events × ${subscribers} subscribers | p50 ms | p90 ms | p99 ms | max ms |`,
    `|---|---|---|---|---|`,
    `| router: mutation ack → event at subscriber | ${r.p50Ms} | ${r.p90Ms} | ${r.p99Ms} | ${r.maxMs} |`,
    `| router: mutation sent → event at subscriber (upper bound) | ${routerPhase.rounds.sendToAllDelivered.p50Ms} | ${routerPhase.rounds.sendToAllDelivered.p90Ms} | ${routerPhase.rounds.sendToAllDelivered.p99Ms} | ${routerPhase.rounds.sendToAllDelivered.maxMs} |`,
    `| bare ws broadcast (floor, same run) | ${f.p50Ms} | ${f.p90Ms} | ${f.p99Ms} | ${f.maxMs} |`,
    ``,
    `router CPU per event (fan-out to all): ${rp.routerCpuMsPerEvent ?? "n/a"} ms`,
    `router's part (event from subgraph → written to each socket, histogram buckets): p50 ${rp.routerReceivedToSent.p50}, p99 ${rp.routerReceivedToSent.p99}`,
    `router memory per subscriber: heap ${rp.memory.heapPerSubscriberKB} KB, RSS ${rp.memory.rssPerSubscriberKB} KB`,
    `client errors ${rp.clientErrors}; closes ${JSON.stringify(rp.clientCloses)}; missing per round ${routerPhase.rounds.perRound.map((x) => x.missing).join(",")}`,
  ].join("\n"),
);
