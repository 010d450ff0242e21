/**
 * npm run shards:stats [-- [subgraph ...] [--estimate] [--root <dir>]]
 *
 * Prints JSON: per subgraph, per shard, the bucket ranges it holds and rows per table (exact
 * count(*) by default; --estimate reads pg_class.reltuples instead, for large shards).
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { openSqlShards } from "../prisma-shards.ts";
import { collectShardStats, type SubgraphStats } from "../shard-stats.ts";
import { defaultRoot, discoverSubgraphs, loadDotEnv, shardOptions } from "./subgraphs.ts";

const USAGE = "usage: npm run shards:stats -- [subgraph ...] [--estimate] [--root <dir>]";

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { root: { type: "string" }, estimate: { type: "boolean", default: false }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const root = resolve(values.root ?? defaultRoot);
  loadDotEnv(root);
  const subgraphs = discoverSubgraphs(root, process.env, positionals);
  const out: Record<string, (SubgraphStats & { source: string; bucketMap: string }) | { source: string; error: string }> = {};
  for (const subgraph of subgraphs) {
    const { config } = subgraph;
    const missing = config.kind === "pglite" ? config.pgliteDirs.filter((dir) => !existsSync(join(dir, "PG_VERSION"))) : [];
    if (missing.length > 0) {
      // Opening them would create empty databases; report instead.
      out[subgraph.name] = { source: config.describe, error: `embedded databases not created yet: ${missing.join(", ")}` };
      continue;
    }
    const shards = await openSqlShards(shardOptions(subgraph.config));
    try {
      const stats = await collectShardStats(shards.all, subgraph.config.bucketMap, values.estimate ? "estimate" : "exact");
      out[subgraph.name] = { source: subgraph.config.describe, bucketMap: subgraph.config.bucketMap.toString(), ...stats };
    } finally {
      await shards.close();
    }
  }
  console.log(JSON.stringify({ generatedAt: new Date().toISOString(), subgraphs: out }, null, 2));
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`shards:stats failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
