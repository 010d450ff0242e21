// `npm run bench` flags. Defaults are sized for a full run of about ten minutes on a 2-core machine.
import { parseArgs } from "node:util";
import { DEFAULT_TARGETS, TARGET_IDS, type TargetId } from "./gateways.ts";
import { WORKLOAD_IDS, type WorkloadId } from "./workloads.ts";

export interface BenchOptions {
  durationSeconds: number;
  rounds: number;
  warmUpSeconds: number;
  workloads: WorkloadId[];
  targets: TargetId[];
  /** Concurrent connections of each Plaza workload. */
  plazaConnections: number[];
  /** Concurrent connections of the e-commerce workload (the public gateways benchmark's 20 and 50). */
  ecommerceConnections: number[];
  subgraphDedupe: boolean;
  authors: number;
  postsPerAuthor: number;
}

export const USAGE = `npm run bench -- [--duration 5] [--rounds 3] [--warm-up 2]
  [--workloads ${WORKLOAD_IDS.join(",")}]
  [--targets ${DEFAULT_TARGETS.join(",")}]   (also: hive-gateway-inbound-dedupe)
  [--connections N[,N…]]   every workload (default: 50 for Plaza's, 20,50 for e-commerce)
  [--subgraph-dedupe on|off]   identical concurrent subgraph fetches share one (default on, both products' default)
  [--authors 50] [--posts-per-author 10]`;

function list<T extends string>(value: string, allowed: readonly T[], flag: string): T[] {
  const items = value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
  const unknown = items.filter((item) => !allowed.includes(item as T));
  if (unknown.length > 0 || items.length === 0)
    throw new Error(`--${flag}: unknown ${unknown.join(", ") || "(empty)"}; choose from ${allowed.join(", ")}`);
  return items as T[];
}

function positive(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${flag} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

export function parseBenchOptions(args: string[]): BenchOptions {
  const { values } = parseArgs({
    args,
    options: {
      duration: { type: "string", default: "5" },
      rounds: { type: "string", default: "3" },
      "warm-up": { type: "string", default: "2" },
      workloads: { type: "string", default: WORKLOAD_IDS.join(",") },
      targets: { type: "string", default: DEFAULT_TARGETS.join(",") },
      connections: { type: "string" },
      "subgraph-dedupe": { type: "string", default: "on" },
      authors: { type: "string", default: "50" },
      "posts-per-author": { type: "string", default: "10" },
    },
  });
  const connections = values.connections?.split(",").map((n) => positive(n, "connections"));
  if (values["subgraph-dedupe"] !== "on" && values["subgraph-dedupe"] !== "off")
    throw new Error(`--subgraph-dedupe must be on or off`);
  return {
    durationSeconds: positive(values.duration, "duration"),
    rounds: positive(values.rounds, "rounds"),
    warmUpSeconds: positive(values["warm-up"], "warm-up"),
    workloads: list(values.workloads, WORKLOAD_IDS, "workloads"),
    targets: list(values.targets, TARGET_IDS, "targets"),
    plazaConnections: connections ?? [50],
    ecommerceConnections: connections ?? [20, 50],
    subgraphDedupe: values["subgraph-dedupe"] === "on",
    authors: positive(values.authors, "authors"),
    postsPerAuthor: positive(values["posts-per-author"], "posts-per-author"),
  };
}
