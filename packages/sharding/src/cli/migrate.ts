/**
 * npm run db:migrate [-- [subgraph ...] [--root <dir>] [--json]]
 *
 * Applies every subgraph's committed migrations (prisma/<subgraph>/migrations) to every shard of
 * that subgraph: the Postgres shards named by <SUBGRAPH>_DATABASE_SHARD_URLS (from the environment or
 * <root>/.env), otherwise the embedded PGlite shards
 * under .data/<subgraph>/. Works offline; see ../migrate.ts for the guarantees.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { migrateShards, type MigrationReport } from "../migrate.ts";
import { openSqlShards } from "../prisma-shards.ts";
import { defaultRoot, discoverSubgraphs, loadDotEnv, shardOptions, type Subgraph } from "./subgraphs.ts";

const USAGE = "usage: npm run db:migrate -- [subgraph ...] [--root <dir>] [--json]";

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { root: { type: "string" }, json: { type: "boolean", default: false }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const root = resolve(values.root ?? defaultRoot);
  loadDotEnv(root);
  const subgraphs = discoverSubgraphs(root, process.env, positionals).filter((subgraph) => existsSync(subgraph.migrationsDir));
  if (subgraphs.length === 0) {
    console.error(`no prisma/<subgraph>/migrations directories under ${root}`);
    return 1;
  }
  const started = performance.now();
  const reports: Record<string, MigrationReport & { describe: string }> = {};
  // Subgraphs one after another (bounded memory with embedded PGlite), shards in parallel.
  for (const subgraph of subgraphs) {
    const report = await migrateSubgraph(subgraph);
    reports[subgraph.name] = { ...report, describe: subgraph.config.describe };
    if (!values.json) printReport(subgraph, report);
  }
  const totalMs = performance.now() - started;
  if (values.json) console.log(JSON.stringify({ subgraphs: reports, durationMs: round(totalMs) }, null, 2));
  else console.log(`done: ${subgraphs.length} subgraph(s) in ${round(totalMs)} ms`);
  return 0;
}

async function migrateSubgraph(subgraph: Subgraph): Promise<MigrationReport> {
  const shards = await openSqlShards(shardOptions(subgraph.config));
  try {
    return await migrateShards({ migrationsDir: subgraph.migrationsDir, shards: shards.all });
  } finally {
    await shards.close();
  }
}

function printReport(subgraph: Subgraph, report: MigrationReport): void {
  console.log(`${subgraph.name}: ${subgraph.config.describe}`);
  for (const shard of report.shards) {
    const what =
      shard.applied.length > 0
        ? `applied ${shard.applied.length} (${shard.applied.join(", ")}), ${shard.upToDate} already applied`
        : `up to date (${shard.upToDate} migration(s))`;
    const unknown = shard.unknown.length > 0 ? `; WARNING: not in the directory: ${shard.unknown.join(", ")}` : "";
    console.log(`  ${shard.shard}: ${what} in ${round(shard.durationMs)} ms${unknown}`);
  }
  console.log(`  ${report.shards.length} shard(s), ${report.migrations} migration(s), ${round(report.durationMs)} ms`);
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`db:migrate failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
