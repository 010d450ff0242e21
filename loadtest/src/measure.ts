import autocannon from "autocannon";
import { waitForIdle, withCpu } from "./process-cpu.ts";

export interface Measurement {
  name: string;
  requestsPerSecond: number;
  p50Ms: number;
  /** From every response's latency (autocannon's histogram has no p95). */
  p95Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  /** Requests completed. */
  requests: number;
  /** CPU ms each process spent meanwhile, by label (see process-cpu.ts), this load generator included. */
  cpuMs: Map<string, number>;
}

export interface Target {
  name: string;
  url: string;
  /** The request body; several are sent in turn by each connection. */
  body: string | readonly string[];
  headers?: Record<string, string>;
  /** Per-body headers, made at the start of every run (a subgraph's signature covers one body, for 30 s). */
  sign?: (body: string) => Record<string, string>;
  /**
   * Count 200 responses carrying GraphQL `errors` as errors (autocannon counts only transport errors and non-2xx):
   * a gateway that fails fast must not look fast. Costs the load generator a scan of every response body.
   */
  countGraphQLErrors?: boolean;
}

/** Below subgraphs' default INTERNAL_AUTH_MAX_AGE_SECONDS, with room for clock reads and warm-up. */
const MAX_SIGNED_RUN_SECONDS = 25;

/** One bounded autocannon run against a loopback target. */
export async function measure(target: Target, opts: { connections: number; durationSeconds: number }): Promise<Measurement> {
  if (!/^https?:\/\/(127\.|localhost|\[::1\])/.test(target.url))
    throw new Error(`refusing to load a non-loopback target: ${target.url}`);
  const bodies = typeof target.body === "string" ? [target.body] : target.body;
  if (target.sign && opts.durationSeconds > MAX_SIGNED_RUN_SECONDS)
    throw new Error(`${target.name}: signed runs last at most ${MAX_SIGNED_RUN_SECONDS} s (the subgraphs' signature window)`);
  const latencies: number[] = [];
  let graphqlErrors = 0;
  // Only a top-level or nested "errors" key has this shape: inside a JSON string the quotes would be escaped.
  // Non-2xx answers are counted as such already (summarize adds non2xx): only 2xx bodies are scanned.
  const onResponse = (status: number, body: string) => {
    if (status < 300 && body.includes('"errors":[')) graphqlErrors++;
  };
  const { result, cpuMs } = await withCpu(
    process.pid,
    () =>
      new Promise<autocannon.Result>((resolve, reject) => {
        const run = autocannon(
          {
            url: target.url,
            method: "POST",
            connections: opts.connections,
            duration: opts.durationSeconds,
            headers: { "content-type": "application/json", ...target.headers },
            requests: bodies.map((body) => ({
              body,
              ...(target.sign && { headers: target.sign(body) }),
              ...(target.countGraphQLErrors && { onResponse }),
            })),
          },
          (error, result) => (error ? reject(error) : resolve(result)),
        );
        run.on("response", (_client, _status, _bytes, responseTimeMs) => latencies.push(responseTimeMs));
      }),
  );
  return {
    name: target.name,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p95Ms: percentile(latencies, 95),
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts + graphqlErrors,
    non2xx: result.non2xx,
    requests: result.requests.total,
    cpuMs,
  };
}

/** The `p`th percentile (nearest rank) of `values`, 0 when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** One target's rounds together: mean req/s and latencies, summed errors, and CPU µs per request by process. */
export function summarize(name: string, runs: readonly Measurement[]) {
  const avg = (f: (m: Measurement) => number) => runs.reduce((sum, m) => sum + f(m), 0) / runs.length;
  const requests = runs.reduce((sum, m) => sum + m.requests, 0);
  const cpuMs = new Map<string, number>();
  for (const run of runs) for (const [label, ms] of run.cpuMs) cpuMs.set(label, (cpuMs.get(label) ?? 0) + ms);
  const cpuUsPerRequest = Object.fromEntries(
    [...cpuMs]
      .map(([label, ms]) => [label, Math.round((ms * 1000) / Math.max(1, requests))] as const)
      .filter(([, us]) => us >= 1), // idle processes
  );
  return {
    name,
    requestsPerSecond: Math.round(avg((m) => m.requestsPerSecond)),
    p50Ms: avg((m) => m.p50Ms),
    p95Ms: avg((m) => m.p95Ms),
    p99Ms: avg((m) => m.p99Ms),
    errors: runs.reduce((sum, m) => sum + m.errors + m.non2xx, 0),
    requests,
    cpuUsPerRequest,
  };
}

/**
 * Alternates the targets round by round so machine noise hits each about equally, then sums per target.
 * Throughput is compared as a ratio of two things measured in the same run, never as an absolute.
 */
export async function compare(
  targets: Target[],
  opts: {
    connections: number;
    durationSeconds: number;
    rounds: number;
    warmUpSeconds?: number;
    /** Before each run, wait until the stack's processes are idle (a slow target's backlog is not the next one's CPU). */
    settle?: boolean;
  },
) {
  const warmUp = { connections: opts.connections, durationSeconds: opts.warmUpSeconds ?? 2 };
  const settle = () => (opts.settle ? waitForIdle(process.pid) : Promise.resolve());
  for (const target of targets) {
    await settle();
    await measure(target, warmUp);
  }
  const runs = new Map<string, Measurement[]>(targets.map((t) => [t.name, []]));
  for (let round = 0; round < opts.rounds; round++) {
    for (const target of targets) {
      await settle();
      runs.get(target.name)!.push(await measure(target, opts));
    }
  }
  return targets.map((t) => summarize(t.name, runs.get(t.name)!));
}

/** The Markdown table every benchmark prints. */
export function resultsTable(
  results: ReadonlyArray<{
    name: string;
    requestsPerSecond: number;
    p50Ms: number;
    p95Ms: number;
    p99Ms: number;
    errors: number;
  }>,
): string[] {
  return [
    `| target | req/s | p50 ms | p95 ms | p99 ms | errors |`,
    `|---|---|---|---|---|---|`,
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.requestsPerSecond} | ${r.p50Ms.toFixed(1)} | ${r.p95Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} | ${r.errors} |`,
    ),
  ];
}

/**
 * CPU microseconds per request spent by each process of the stack and by the load generator (named after its
 * script), one row per target, busiest process first. On a shared 2-core box this moves far less than req/s.
 */
export function cpuTable(results: ReadonlyArray<{ name: string; cpuUsPerRequest: Record<string, number> }>): string[] {
  const totals = new Map<string, number>();
  for (const r of results)
    for (const [label, us] of Object.entries(r.cpuUsPerRequest)) totals.set(label, (totals.get(label) ?? 0) + us);
  const labels = [...totals].sort((a, b) => b[1] - a[1]).map(([label]) => label);
  const cell = (value: number | undefined) => (value === undefined ? "–" : String(Math.round(value)));
  return [
    `| CPU µs per request | ${labels.join(" | ")} | all |`,
    `|---|${labels.map(() => "---|").join("")}---|`,
    ...results.map((r) => {
      const all = Object.values(r.cpuUsPerRequest).reduce((sum, v) => sum + v, 0);
      return `| ${r.name} | ${labels.map((label) => cell(r.cpuUsPerRequest[label])).join(" | ")} | ${cell(all)} |`;
    }),
  ];
}
