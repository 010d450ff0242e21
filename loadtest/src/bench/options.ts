// `npm run bench` flags. Defaults are sized for a full run of about ten minutes on a 2-core machine.
import { parseArgs } from "node:util";
import { TARGET_IDS, type TargetId } from "./gateways.ts";
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
  inboundDedupe: boolean;
  authors: number;
  postsPerAuthor: number;
}

export const USAGE = `npm run bench -- [--duration 5] [--rounds 3] [--warm-up 2]
  [--workloads ${WORKLOAD_IDS.join(",")}]
  [--targets ${TARGET_IDS.join(",")}]
  [--connections N[,N…]]   every workload (default: 50 for Plaza's, 20,50 for e-commerce)
  [--subgraph-dedupe on|off]   identical concurrent subgraph fetches share one (default on: Plaza's and Hive's default)
  [--inbound-dedupe on|off]    identical concurrent client requests share one execution (default off: Hive's default)
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
      targets: { type: "string", default: TARGET_IDS.join(",") },
      connections: { type: "string" },
      "subgraph-dedupe": { type: "string", default: "on" },
      "inbound-dedupe": { type: "string", default: "off" },
      authors: { type: "string", default: "50" },
      "posts-per-author": { type: "string", default: "10" },
    },
  });
  const connections = values.connections?.split(",").map((n) => positive(n, "connections"));
  for (const flag of ["subgraph-dedupe", "inbound-dedupe"] as const)
    if (values[flag] !== "on" && values[flag] !== "off") throw new Error(`--${flag} must be on or off`);
  return {
    durationSeconds: positive(values.duration, "duration"),
    rounds: positive(values.rounds, "rounds"),
    warmUpSeconds: positive(values["warm-up"], "warm-up"),
    workloads: list(values.workloads, WORKLOAD_IDS, "workloads"),
    targets: list(values.targets, TARGET_IDS, "targets"),
    plazaConnections: connections ?? [50],
    ecommerceConnections: connections ?? [20, 50],
    subgraphDedupe: values["subgraph-dedupe"] === "on",
    inboundDedupe: values["inbound-dedupe"] === "on",
    authors: positive(values.authors, "authors"),
    postsPerAuthor: positive(values["posts-per-author"], "posts-per-author"),
  };
}
