// Load shapes, thresholds and the mixed workload's proportions of every scenario: the k6 scripts turn them into
// k6 `options`, the Node driver runs the same shapes and applies the same thresholds. No k6 imports.
import type { ScenarioConfig } from "./config.ts";

export const SCENARIOS = [
  "feed-read",
  "post-write",
  "counter-increment",
  "likes",
  "chat-send-receive",
  "mixed",
  "progressive",
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export function isScenario(name: string): name is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(name);
}

export interface Thresholds {
  /** Highest share of failed HTTP requests (network errors and 4xx/5xx). */
  httpFailedRate: number;
  p95Ms: number;
  p99Ms: number;
  /** Lowest share of passed checks (a GraphQL error or a wrong answer fails one). */
  checksRate: number;
  /** chat-send-receive: p95 of `sendMessage` sent → `messageAdded` received. */
  chatP95Ms?: number;
}

export interface Shape {
  vus: number;
  duration: string;
}

/** A level of the progressive run: `iterations` requests shared by `vus` VUs (k6's shared-iterations executor). */
export interface Level {
  level: number;
  iterations: number;
  vus: number;
  /** The most a level may run; the next level starts after the sum of the earlier ones' maxDuration. */
  maxDuration: string;
  thresholds: Thresholds;
}

const READS: Thresholds = { httpFailedRate: 0.01, p95Ms: 500, p99Ms: 1000, checksRate: 0.99 };
const WRITES: Thresholds = { httpFailedRate: 0.01, p95Ms: 800, p99Ms: 1500, checksRate: 0.99 };

export const SHAPES: Record<Exclude<ScenarioName, "progressive">, { shape: Shape; thresholds: Thresholds }> = {
  "feed-read": { shape: { vus: 50, duration: "30s" }, thresholds: READS },
  "post-write": { shape: { vus: 20, duration: "30s" }, thresholds: WRITES },
  "counter-increment": { shape: { vus: 50, duration: "30s" }, thresholds: WRITES },
  likes: { shape: { vus: 20, duration: "30s" }, thresholds: WRITES },
  "chat-send-receive": { shape: { vus: 20, duration: "30s" }, thresholds: { ...WRITES, chatP95Ms: 1000 } },
  mixed: { shape: { vus: 50, duration: "60s" }, thresholds: READS },
};

/** The 5-level progressive run (requests@concurrency): 1k@10, 5k@50, 10k@100, 50k@500, 100k@1000. */
export const LEVELS: readonly Level[] = [
  { level: 1, iterations: 1_000, vus: 10, maxDuration: "2m", thresholds: READS },
  { level: 2, iterations: 5_000, vus: 50, maxDuration: "3m", thresholds: READS },
  { level: 3, iterations: 10_000, vus: 100, maxDuration: "5m", thresholds: READS },
  { level: 4, iterations: 50_000, vus: 500, maxDuration: "10m", thresholds: { ...READS, p95Ms: 1500, p99Ms: 3000 } },
  { level: 5, iterations: 100_000, vus: 1000, maxDuration: "15m", thresholds: { ...READS, p95Ms: 3000, p99Ms: 6000 } },
];

/** The levels a run selects: PLAZA_LEVEL alone, else levels 1..PLAZA_MAX_LEVEL (default all five). */
export function selectedLevels(config: Pick<ScenarioConfig, "level" | "maxLevel">): Level[] {
  if (config.level !== undefined) return LEVELS.filter((l) => l.level === config.level);
  return LEVELS.filter((l) => l.level <= (config.maxLevel ?? LEVELS.length));
}

/**
 * The mixed social workload, per 100 requests. Reads dominate (85%), as on any social network: timelines are
 * opened far more often than anything is written. Likes toggle (like, then unlike the next time) so the data stays
 * the same size; views may be refused by their per-viewer limit, which is a correct answer.
 */
export const MIX = [
  { op: "feed", weight: 60 },
  { op: "post", weight: 15 },
  { op: "conversations", weight: 10 },
  { op: "like", weight: 6 },
  { op: "view", weight: 4 },
  { op: "createPost", weight: 3 },
  { op: "sendMessage", weight: 2 },
] as const;
export type MixOp = (typeof MIX)[number]["op"];

/** The mixed workload's operation for a uniform `random` in [0, 1). */
export function pickMixOp(random: number): MixOp {
  const total = MIX.reduce((sum, entry) => sum + entry.weight, 0);
  let point = random * total;
  for (const entry of MIX) {
    if (point < entry.weight) return entry.op;
    point -= entry.weight;
  }
  return MIX[MIX.length - 1]!.op;
}

/** k6 threshold expressions; `tag` narrows them to one sub-metric (e.g. `level:3`). */
export function k6Thresholds(t: Thresholds, tag?: string): Record<string, string[]> {
  const on = (metric: string) => (tag ? `${metric}{${tag}}` : metric);
  const thresholds: Record<string, string[]> = {
    [on("http_req_failed")]: [`rate<${t.httpFailedRate}`],
    [on("http_req_duration")]: [`p(95)<${t.p95Ms}`, `p(99)<${t.p99Ms}`],
    [on("checks")]: [`rate>${t.checksRate}`],
  };
  if (t.chatP95Ms !== undefined) thresholds[on("chat_send_to_receive")] = [`p(95)<${t.chatP95Ms}`];
  return thresholds;
}

/** Trend statistics in every summary (k6 leaves p(99) out by default). */
export const SUMMARY_TREND_STATS = ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)", "count"];

/** k6 `options` of a constant-VUs scenario (typed as k6's Options by the script that exports them). */
export function constantVusOptions(name: Exclude<ScenarioName, "progressive">, config: ScenarioConfig) {
  const { shape, thresholds } = SHAPES[name];
  return {
    scenarios: {
      [name.replace(/-/g, "_")]: {
        executor: "constant-vus" as const,
        vus: config.vus ?? shape.vus,
        duration: config.duration ?? shape.duration,
      },
    },
    thresholds: k6Thresholds(thresholds),
    summaryTrendStats: SUMMARY_TREND_STATS,
    setupTimeout: "120s",
  };
}

const SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/** Seconds of a k6 duration such as `30s`, `2m`, `500ms`. */
export function durationSeconds(duration: string): number {
  const match = /^(\d+)(ms|s|m|h)$/.exec(duration);
  if (!match) throw new Error(`not a duration: ${duration}`);
  return Number(match[1]) * SECONDS[match[2]!]!;
}

const LEVEL_GRACEFUL_STOP_SECONDS = 10;

/** k6 `options` of the progressive run: one shared-iterations scenario per level, one after the other. */
export function progressiveOptions(config: ScenarioConfig) {
  const scenarios: Record<
    string,
    {
      executor: "shared-iterations";
      vus: number;
      iterations: number;
      maxDuration: string;
      startTime: string;
      gracefulStop: string;
      tags: Record<string, string>;
    }
  > = {};
  let thresholds: Record<string, string[]> = {};
  let start = 0;
  for (const level of selectedLevels(config)) {
    scenarios[`level_${level.level}`] = {
      executor: "shared-iterations",
      vus: level.vus,
      iterations: level.iterations,
      maxDuration: level.maxDuration,
      startTime: `${start}s`,
      gracefulStop: `${LEVEL_GRACEFUL_STOP_SECONDS}s`,
      tags: { level: String(level.level) },
    };
    thresholds = { ...thresholds, ...k6Thresholds(level.thresholds, `level:${level.level}`) };
    // A level that hits its maxDuration still lets its iterations finish for gracefulStop: no overlap.
    start += durationSeconds(level.maxDuration) + LEVEL_GRACEFUL_STOP_SECONDS;
  }
  return { scenarios, thresholds, summaryTrendStats: SUMMARY_TREND_STATS, setupTimeout: "120s" };
}
