import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { createBoundedLabel } from "./bounded-labels.ts";
import { ERROR_CODES } from "./errors.ts";

/** Seconds; spans sub-millisecond cache hits to slow cross-shard work. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface ServiceMetrics {
  service: string;
  registry: Registry;
  httpDuration: Histogram<"method" | "route" | "status">;
  operationDuration: Histogram<"operation" | "type">;
  errors: Counter<"code">;
  /** The `operation` label for a client's operation name: the first names seen keep theirs, later ones are `other`. */
  operationLabel(name: string): string;
  /** The `code` label for an error code: Plaza's and GraphQL's codes, then the first others seen, then `other`. */
  errorCodeLabel(code: string): string;
  /** POST /graphql requests the fast lane served; the rest went through yoga's HTTP layer. */
  fastLaneRequests: Counter;
  /** Queries run compiled by graphql-jit (subgraphs; the rest ran on graphql-js). */
  compiledQueryRuns: Counter;
  /** Name builder so every metric follows `plaza_<service>_<thing>_<unit>`. */
  name(thing: string): string;
  counter<L extends string>(thing: string, help: string, labelNames?: readonly L[]): Counter<L>;
  /** `collect` runs on each scrape, for values that are read rather than tracked (backlogs, pool sizes). */
  gauge<L extends string>(
    thing: string,
    help: string,
    labelNames?: readonly L[],
    collect?: (this: Gauge<L>) => Promise<void> | void,
  ): Gauge<L>;
  histogram<L extends string>(thing: string, help: string, labelNames?: readonly L[], buckets?: number[]): Histogram<L>;
}

/** Codes every service may report besides Plaza's own (graphql-js, yoga, the gateway, the router's limits). */
const STANDARD_CODES = [
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_REQUEST",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "DOWNSTREAM_SERVICE_ERROR",
  "UNKNOWN",
];

export interface MetricsOptions {
  defaultMetrics?: boolean;
  /** Distinct client operation names that get their own series (default 200; the rest are `other`). */
  maxOperationLabels?: number;
}

export function createMetrics(service: string, opts: MetricsOptions = {}): ServiceMetrics {
  const registry = new Registry();
  const prefix = `plaza_${service.replace(/[^a-z0-9_]/gi, "_")}_`;
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix });
  const name = (thing: string) => `${prefix}${thing}`;
  const counter = <L extends string>(thing: string, help: string, labelNames: readonly L[] = []) =>
    new Counter<L>({ name: name(thing), help, labelNames, registers: [registry] });
  const gauge = <L extends string>(
    thing: string,
    help: string,
    labelNames: readonly L[] = [],
    collect?: (this: Gauge<L>) => Promise<void> | void,
  ) => new Gauge<L>({ name: name(thing), help, labelNames, registers: [registry], ...(collect && { collect }) });
  const histogram = <L extends string>(thing: string, help: string, labelNames: readonly L[] = [], buckets = LATENCY_BUCKETS) =>
    new Histogram<L>({ name: name(thing), help, labelNames, buckets, registers: [registry] });
  return {
    service,
    registry,
    operationLabel: createBoundedLabel(opts.maxOperationLabels ?? 200, ["anonymous"]),
    errorCodeLabel: createBoundedLabel(50, [...ERROR_CODES, ...STANDARD_CODES]),
    name,
    counter,
    gauge,
    histogram,
    httpDuration: histogram("http_request_duration_seconds", "HTTP request duration", ["method", "route", "status"]),
    operationDuration: histogram("graphql_operation_duration_seconds", "GraphQL operation duration by operation name", [
      "operation",
      "type",
    ]),
    errors: counter("graphql_errors_total", "GraphQL errors by extensions.code", ["code"]),
    fastLaneRequests: counter(
      "graphql_fast_lane_requests_total",
      "POST /graphql requests served by the fast lane (the others went through yoga's HTTP layer)",
    ),
    compiledQueryRuns: counter("graphql_compiled_query_runs_total", "Queries run compiled by graphql-jit (subgraphs)"),
  };
}
