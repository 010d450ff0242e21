/**
 * Shard configuration from environment variables.
 *
 * Every setting has a per-service form that wins over the shared one, so services can use
 * different databases: for prefix "USERS", USERS_BUCKET_COUNT overrides BUCKET_COUNT. Shard URLs exist only in the
 * prefixed form (USERS_DATABASE_SHARD_URLS): every subgraph owns its databases.
 *
 * | variable (each also as <PREFIX>_<NAME>) | meaning | default |
 * |---|---|---|
 * | <PREFIX>_DATABASE_SHARD_URLS | comma-separated postgres:// URLs, one per physical shard, in shard order | unset → embedded PGlite |
 * | DATABASE_POOL_MAX | connections per shard pool | 10 |
 * | DATABASE_PREPARED_STATEMENTS | name Prisma's statements so Postgres caches their plans; set false behind PgBouncer in transaction mode | true |
 * | PGLITE_SHARDS | embedded mode: number of PGlite shards (`<DATA_DIR>/<service>/shard-<n>`) | 2 |
 * | DATA_DIR | embedded mode: base directory (no per-service form) | .data |
 * | BUCKET_COUNT | logical buckets; fixed for the life of the data | 1024 |
 * | BUCKET_MAP | explicit bucket → shard map (see buckets.ts) | even contiguous ranges |
 */
import { resolve } from "node:path";
import {
  DEFAULT_BUCKET_COUNT,
  evenBucketMap,
  parseBucketMap,
  shardName,
  BucketMapError,
  validateBucketCount,
  type BucketMap,
} from "./buckets.ts";

export type Env = Readonly<Record<string, string | undefined>>;

interface CommonShardConfig {
  /** Shard names, `shard<n>` in configuration order. */
  readonly names: readonly string[];
  readonly bucketCount: number;
  readonly bucketMap: BucketMap;
  /** Where each setting came from, for start-up logs (no secrets). */
  readonly describe: string;
}

export interface PostgresShardConfig extends CommonShardConfig {
  readonly kind: "postgres";
  readonly shardUrls: readonly string[];
  readonly poolMax: number;
  readonly preparedStatements: boolean;
}

export interface PgliteShardConfig extends CommonShardConfig {
  readonly kind: "pglite";
  /** Data directories (or "memory://" for throw-away databases). */
  readonly pgliteDirs: readonly string[];
}

export type ShardConfig = PostgresShardConfig | PgliteShardConfig;

export interface ShardConfigOptions {
  /** Directory name under DATA_DIR in embedded mode; defaults to the prefix in lower case. */
  service?: string;
  /** Overrides DATA_DIR. */
  dataDir?: string;
  /** Embedded shard count when PGLITE_SHARDS is unset. */
  defaultPgliteShards?: number;
}

export const DEFAULT_POOL_MAX = 10;
export const DEFAULT_PGLITE_SHARDS = 2;

/** Every problem found in the shard settings; `problems` is meant for the service's one start-up message. */
export class ShardConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid shard configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ShardConfigError";
    this.problems = problems;
  }
}

export type ShardConfigResult = { ok: true; config: ShardConfig } | { ok: false; problems: string[] };

/** Like shardConfigFromEnv, but returns the problems instead of throwing, to merge with a service's own checks. */
export function parseShardConfig(prefix: string, env: Env, options: ShardConfigOptions = {}): ShardConfigResult {
  const problems: string[] = [];
  const lookup = (name: string): { value: string; variable: string } | null => {
    for (const variable of [`${prefix}_${name}`, name]) {
      const value = env[variable]?.trim();
      if (value) return { value, variable };
    }
    return null;
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const setting = lookup(name);
    if (!setting) return fallback;
    const value = Number(setting.value);
    if (!/^\d+$/.test(setting.value) || value < min || value > max) {
      problems.push(`${setting.variable} must be a whole number in ${min}..${max}, got "${setting.value}"`);
      return fallback;
    }
    return value;
  };
  const boolean = (name: string, fallback: boolean): boolean => {
    const setting = lookup(name);
    if (!setting) return fallback;
    const value = setting.value.toLowerCase();
    if (["true", "1", "yes", "on"].includes(value)) return true;
    if (["false", "0", "no", "off"].includes(value)) return false;
    problems.push(`${setting.variable} must be true or false, got "${setting.value}"`);
    return fallback;
  };

  const bucketSetting = lookup("BUCKET_COUNT");
  const bucketCount = integer("BUCKET_COUNT", DEFAULT_BUCKET_COUNT, 1, Number.MAX_SAFE_INTEGER);
  const countProblem = validateBucketCount(bucketCount);
  if (countProblem) problems.push(`${bucketSetting?.variable ?? "BUCKET_COUNT"}: ${countProblem}`);

  // Each subgraph owns its databases: a shared list would put two subgraphs' tables (and their migration
  // histories) into one database, so shard URLs are only ever read with the subgraph's prefix.
  if (env.DATABASE_SHARD_URLS?.trim()) {
    problems.push(
      `DATABASE_SHARD_URLS is not read: each subgraph owns its databases; set ${prefix}_DATABASE_SHARD_URLS (and one such variable per subgraph)`,
    );
  }
  const prefixedUrls = env[`${prefix}_DATABASE_SHARD_URLS`]?.trim();
  const urlsSetting = prefixedUrls ? { value: prefixedUrls, variable: `${prefix}_DATABASE_SHARD_URLS` } : null;
  let names: string[];
  let sourceKind: "postgres" | "pglite";
  let shardUrls: string[] = [];
  let pgliteDirs: string[] = [];
  let describe: string;
  if (urlsSetting) {
    sourceKind = "postgres";
    shardUrls = urlsSetting.value.split(",").map((url) => url.trim());
    shardUrls.forEach((url, index) => {
      const problem = checkPostgresUrl(url);
      if (problem) problems.push(`${urlsSetting.variable}: entry ${index + 1} ${problem}`);
    });
    names = shardUrls.map((_, index) => shardName(index));
    describe = `${shardUrls.length} Postgres shard(s) from ${urlsSetting.variable}: ${shardUrls.map(redactUrl).join(", ")}`;
  } else {
    sourceKind = "pglite";
    const count = integer("PGLITE_SHARDS", options.defaultPgliteShards ?? DEFAULT_PGLITE_SHARDS, 1, 64);
    const service = options.service ?? prefix.toLowerCase();
    const base = resolve(options.dataDir ?? (env.DATA_DIR?.trim() || ".data"), service);
    pgliteDirs = Array.from({ length: count }, (_, index) => resolve(base, `shard-${index}`));
    names = pgliteDirs.map((_, index) => shardName(index));
    describe = `${count} embedded PGlite shard(s) under ${base} (no ${prefix}_DATABASE_SHARD_URLS)`;
  }
  const poolMax = integer("DATABASE_POOL_MAX", DEFAULT_POOL_MAX, 1, 10_000);
  const preparedStatements = boolean("DATABASE_PREPARED_STATEMENTS", true);

  let bucketMap: BucketMap | null = null;
  if (!countProblem && names.length > 0) {
    const mapSetting = lookup("BUCKET_MAP");
    try {
      bucketMap = mapSetting
        ? parseBucketMap(mapSetting.value, { bucketCount, shards: names })
        : evenBucketMap(bucketCount, names);
      if (mapSetting) describe += `; buckets from ${mapSetting.variable}`;
    } catch (error) {
      if (!(error instanceof BucketMapError)) throw error;
      const where = mapSetting?.variable ?? `${prefix}_DATABASE_SHARD_URLS`;
      for (const problem of error.problems) problems.push(`${where}: ${problem}`);
    }
  }
  if (problems.length > 0 || !bucketMap) return { ok: false, problems };
  describe += `; ${bucketCount} buckets`;
  const common = { names, bucketCount, bucketMap, describe };
  const config: ShardConfig =
    sourceKind === "postgres"
      ? { kind: "postgres", shardUrls, poolMax, preparedStatements, ...common }
      : { kind: "pglite", pgliteDirs, ...common };
  return { ok: true, config };
}

/** The shard configuration for the service whose variables start with `prefix` (e.g. "USERS"). Throws ShardConfigError. */
export function shardConfigFromEnv(prefix: string, env: Env = process.env, options: ShardConfigOptions = {}): ShardConfig {
  const result = parseShardConfig(prefix, env, options);
  if (!result.ok) throw new ShardConfigError(result.problems);
  return result.config;
}

function checkPostgresUrl(url: string): string | null {
  if (url === "") return "is empty";
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "is not a URL";
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    return `must start with postgres:// or postgresql://, got ${parsed.protocol}//`;
  }
  if (parsed.hostname === "" && !parsed.searchParams.has("host")) return "has no host";
  if (parsed.pathname.length <= 1) return "has no database name";
  return null;
}

/** The URL with its password masked, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}
