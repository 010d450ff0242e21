import autocannon from "autocannon";

export interface Measurement {
  name: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

export interface Target {
  name: string;
  url: string;
  body: string;
  headers?: Record<string, string>;
}

/** One bounded autocannon run against a loopback target. */
export async function measure(target: Target, opts: { connections: number; durationSeconds: number }): Promise<Measurement> {
  if (!/^https?:\/\/(127\.|localhost|\[::1\])/.test(target.url))
    throw new Error(`refusing to load a non-loopback target: ${target.url}`);
  const result = await autocannon({
    url: target.url,
    method: "POST",
    connections: opts.connections,
    duration: opts.durationSeconds,
    headers: { "content-type": "application/json", ...target.headers },
    body: target.body,
  });
  return {
    name: target.name,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/**
 * Alternates the targets round by round so machine noise hits each about equally, then sums per target.
 * Throughput is compared as a ratio of two things measured in the same run, never as an absolute.
 */
export async function compare(targets: Target[], opts: { connections: number; durationSeconds: number; rounds: number }) {
  for (const target of targets) await measure(target, { connections: opts.connections, durationSeconds: 2 }); // warm-up
  const runs = new Map<string, Measurement[]>(targets.map((t) => [t.name, []]));
  for (let round = 0; round < opts.rounds; round++) {
    for (const target of targets) runs.get(target.name)!.push(await measure(target, opts));
  }
  return targets.map((t) => {
    const list = runs.get(t.name)!;
    const avg = (f: (m: Measurement) => number) => list.reduce((sum, m) => sum + f(m), 0) / list.length;
    return {
      name: t.name,
      requestsPerSecond: Math.round(avg((m) => m.requestsPerSecond)),
      p50Ms: avg((m) => m.p50Ms),
      p99Ms: avg((m) => m.p99Ms),
      errors: list.reduce((s, m) => s + m.errors + m.non2xx, 0),
    };
  });
}

/** The Markdown table every benchmark prints. */
export function resultsTable(
  results: ReadonlyArray<{ name: string; requestsPerSecond: number; p50Ms: number; p99Ms: number; errors: number }>,
): string[] {
  return [
    `| target | req/s | p50 ms | p99 ms | errors |`,
    `|---|---|---|---|---|`,
    ...results.map((r) => `| ${r.name} | ${r.requestsPerSecond} | ${r.p50Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} | ${r.errors} |`),
  ];
}

/** CPU microseconds per request spent by each process of the stack (and the load generator), one row per target. */
export function cpuTable(
  results: ReadonlyArray<{ name: string; cpuUsPerRequest: Record<string, number> }>,
  labels: readonly string[],
): string[] {
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
