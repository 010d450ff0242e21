import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface SubscriptionSpec {
  token?: string;
  /** The whole connection_init payload (e.g. a subgraph's signed identity); wins over `token`. */
  connectionParams?: Record<string, unknown>;
  query: string;
  variables?: Record<string, unknown>;
}

export interface SubscriberStats {
  open: number;
  received: number;
  errors: number;
  closed: number;
  closeCodes: Record<string, number>;
}

/** Load-generator processes holding the benchmark's subscriptions (see ws-subscribers.ts). */
export interface SubscriberProcesses {
  /** Spreads the subscriptions over the processes and resolves once every connection was acknowledged. */
  open(url: string, subscriptions: SubscriptionSpec[], markerPath: string): Promise<number>;
  /** Arrival times (epoch ms) of the event with this marker, over all processes. */
  collect(marker: string): Promise<number[]>;
  stats(): Promise<SubscriberStats>;
  close(): Promise<void>;
}

const entry = fileURLToPath(new URL("./ws-subscribers.ts", import.meta.url));

function request<T>(child: ChildProcess, message: unknown, replyType: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: { type: string }) => {
      if (reply.type !== replyType) return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve(reply as T);
    };
    const onExit = (code: number | null) => reject(new Error(`subscriber process exited with ${code}`));
    child.on("message", onMessage);
    child.once("exit", onExit);
    child.send(message as never);
  });
}

export async function startSubscriberProcesses(count: number): Promise<SubscriberProcesses> {
  const children = await Promise.all(
    Array.from({ length: count }, async () => {
      const child = fork(entry, [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
      await new Promise<void>((resolve, reject) => {
        child.once("message", () => resolve());
        child.once("exit", (code) => reject(new Error(`subscriber process exited with ${code}`)));
      });
      return child;
    }),
  );
  return {
    async open(url, subscriptions, markerPath) {
      const slices = children.map((_, i) => subscriptions.filter((__, j) => j % children.length === i));
      const replies = await Promise.all(
        children.map((child, i) =>
          request<{ open: number }>(
            child,
            { type: "open", url, subscriptions: slices[i], markerPath, concurrency: 64 },
            "opened",
          ),
        ),
      );
      return replies.reduce((sum, r) => sum + r.open, 0);
    },
    async collect(marker) {
      const replies = await Promise.all(
        children.map((child) => request<{ times: number[] }>(child, { type: "collect", marker }, "times")),
      );
      return replies.flatMap((r) => r.times);
    },
    async stats() {
      const replies = await Promise.all(children.map((child) => request<SubscriberStats>(child, { type: "stats" }, "stats")));
      const closeCodes: Record<string, number> = {};
      for (const r of replies)
        for (const [code, n] of Object.entries(r.closeCodes)) closeCodes[code] = (closeCodes[code] ?? 0) + n;
      return {
        open: replies.reduce((s, r) => s + r.open, 0),
        received: replies.reduce((s, r) => s + r.received, 0),
        errors: replies.reduce((s, r) => s + r.errors, 0),
        closed: replies.reduce((s, r) => s + r.closed, 0),
        closeCodes,
      };
    },
    async close() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null) return resolve();
              child.once("exit", () => resolve());
              child.send({ type: "close" });
            }),
        ),
      );
    },
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function summarize(latenciesMs: number[]) {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const round = (n: number) => Number(n.toFixed(1));
  return {
    count: sorted.length,
    p50Ms: round(percentile(sorted, 50)),
    p90Ms: round(percentile(sorted, 90)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted.at(-1) ?? Number.NaN),
  };
}

/** Sum of a Prometheus sample over label sets (text exposition format). */
export async function scrapeMetric(metricsUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const labelText = match[2] ?? "";
    if (!Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) continue;
    sum += Number(match[3]);
  }
  return sum;
}

export async function until(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 120_000,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export type HistogramSnapshot = Map<number, number>;

/** Cumulative bucket counts of a Prometheus histogram (`le` → count). */
export async function scrapeHistogram(metricsUrl: string, name: string): Promise<HistogramSnapshot> {
  const text = await (await fetch(metricsUrl)).text();
  const buckets: HistogramSnapshot = new Map();
  for (const line of text.split("\n")) {
    const match = new RegExp(`^${name}_bucket\\{(?:[^}]*,)?le="([^"]+)"[^}]*\\}\\s+(\\S+)`).exec(line);
    if (!match) continue;
    const le = match[1] === "+Inf" ? Number.POSITIVE_INFINITY : Number(match[1]);
    buckets.set(le, (buckets.get(le) ?? 0) + Number(match[2]));
  }
  return buckets;
}

/** Upper bucket bounds (ms) under which 50 % and 99 % of the observations between two snapshots fall. */
export function histogramQuantiles(before: HistogramSnapshot, after: HistogramSnapshot) {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const delta = bounds.map((le) => (after.get(le) ?? 0) - (before.get(le) ?? 0));
  const total = delta.at(-1) ?? 0;
  const at = (q: number) => {
    const index = delta.findIndex((count) => count >= q * total);
    const le = bounds[index];
    return le === undefined || !Number.isFinite(le) ? "> last bucket" : `≤ ${le * 1000} ms`;
  };
  return { count: total, p50: at(0.5), p99: at(0.99) };
}
