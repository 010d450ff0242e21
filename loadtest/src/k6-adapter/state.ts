// What the k6 adapter's modules record during a run: checks, metric samples, errors, and the sockets and timers
// that keep an iteration alive. Kept on globalThis so the modules the resolve hook loads and the runner share one.

export interface MetricRecord {
  type: "counter" | "gauge" | "rate" | "trend";
  isTime: boolean;
  values: number[];
}

export interface AdapterState {
  checks: Map<string, { passes: number; fails: number }>;
  metrics: Map<string, MetricRecord>;
  errors: string[];
  /** Open (or opening) WebSockets: the iteration ends when every one has closed. */
  sockets: Set<{ forceClose(): void }>;
  /** Pending k6/timers timeouts and intervals, by id. */
  timers: Map<number, NodeJS.Timeout>;
  startedAt: number;
}

const KEY = Symbol.for("plaza.k6-adapter.state");

export function adapterState(): AdapterState {
  const holder = globalThis as unknown as Record<symbol, AdapterState | undefined>;
  holder[KEY] ??= {
    checks: new Map(),
    metrics: new Map(),
    errors: [],
    sockets: new Set(),
    timers: new Map(),
    startedAt: Date.now(),
  };
  return holder[KEY];
}

export function record(name: string, type: MetricRecord["type"], value: number, isTime = false): void {
  const metrics = adapterState().metrics;
  let metric = metrics.get(name);
  if (!metric) metrics.set(name, (metric = { type, isTime, values: [] }));
  metric.values.push(value);
}

/** An error thrown where k6 would abort the iteration (a handler, a timer): recorded, the run goes on to its end. */
export function recordError(where: string, error: unknown): void {
  adapterState().errors.push(`${where}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
}
