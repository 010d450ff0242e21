/**
 * Rows per table per shard, for operators (npm run shards:stats).
 *
 * "exact" (default) runs count(*) on every table: exact, and cheap at the sizes a development or
 * test database has, but a full scan per table on big production shards. "estimate" reads the
 * planner's pg_class.reltuples instead: instant, approximate, and null for a table never
 * vacuumed/analyzed.
 */
import type { BucketMap } from "./buckets.ts";
import type { SqlShard } from "./prisma-shards.ts";

export type CountMode = "exact" | "estimate";

export interface ShardStats {
  readonly shard: string;
  readonly kind: "postgres" | "pglite";
  readonly location: string;
  /** Bucket ranges held by this shard, e.g. ["0-511"]. */
  readonly buckets: string[];
  readonly bucketCount: number;
  /** Rows per table (null: estimate unavailable). */
  readonly tables: Record<string, number | null>;
  readonly totalRows: number;
  /** Applied migrations, the latest last. */
  readonly migrations: { readonly applied: number; readonly latest: string | null };
}

export interface SubgraphStats {
  readonly mode: CountMode;
  readonly bucketCount: number;
  readonly shards: ShardStats[];
  readonly totalRows: number;
}

const MIGRATIONS_TABLE = "_prisma_migrations";

export async function collectShardStats(
  shards: readonly SqlShard[],
  bucketMap: BucketMap,
  mode: CountMode = "exact",
): Promise<SubgraphStats> {
  const stats = await Promise.all(shards.map((shard) => statsOfShard(shard, bucketMap, mode)));
  return {
    mode,
    bucketCount: bucketMap.bucketCount,
    shards: stats,
    totalRows: stats.reduce((sum, shard) => sum + shard.totalRows, 0),
  };
}

async function statsOfShard(shard: SqlShard, bucketMap: BucketMap, mode: CountMode): Promise<ShardStats> {
  const tables = await shard.sql.query<{ name: string; estimate: number | string }>(
    `SELECT c.relname AS name, c.reltuples::float8 AS estimate
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      ORDER BY c.relname`,
  );
  const counted = tables.filter((table) => table.name !== MIGRATIONS_TABLE);
  const counts: Record<string, number | null> = {};
  if (mode === "exact" && counted.length > 0) {
    const union = counted
      .map((table, index) => `SELECT ${index} AS i, count(*)::float8 AS n FROM ${quoteIdent(table.name)}`)
      .join(" UNION ALL ");
    const rows = await shard.sql.query<{ i: number; n: number }>(union);
    for (const row of rows) counts[counted[Number(row.i)]!.name] = Number(row.n);
  } else {
    for (const table of counted) {
      const estimate = Number(table.estimate);
      counts[table.name] = estimate < 0 ? null : Math.round(estimate); // -1: never analyzed
    }
  }
  const ranges = bucketMap.rangesOf(shard.name);
  return {
    shard: shard.name,
    kind: shard.kind,
    location: shard.location,
    buckets: ranges.map((range) => (range.from === range.to ? String(range.from) : `${range.from}-${range.to}`)),
    bucketCount: ranges.reduce((sum, range) => sum + range.to - range.from + 1, 0),
    tables: counts,
    totalRows: Object.values(counts).reduce<number>((sum, count) => sum + (count ?? 0), 0),
    migrations: await migrationsOf(
      shard,
      tables.some((table) => table.name === MIGRATIONS_TABLE),
    ),
  };
}

async function migrationsOf(shard: SqlShard, hasTable: boolean): Promise<ShardStats["migrations"]> {
  if (!hasTable) return { applied: 0, latest: null };
  const [row] = await shard.sql.query<{ applied: number; latest: string | null }>(
    `SELECT count(*)::int AS applied, max(migration_name) AS latest FROM "${MIGRATIONS_TABLE}"
      WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
  );
  return { applied: Number(row?.applied ?? 0), latest: row?.latest ?? null };
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
