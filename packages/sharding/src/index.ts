export { murmur3, murmur3Bytes } from "./hash.ts";
export {
  BucketMapError,
  DEFAULT_BUCKET_COUNT,
  MAX_BUCKET_COUNT,
  bucketOfKey,
  evenBucketMap,
  parseBucketMap,
  randomBucket,
  shardName,
  validateBucketCount,
  type BucketMap,
  type BucketRange,
  type ParseBucketMapOptions,
} from "./buckets.ts";
export { ID_LENGTH, ID_MAX_BUCKETS, bucketOfId, bucketSqlExpression, idTime, isId, lowerBoundId, newId } from "./ids.ts";
export {
  createShardRouter,
  type Shard,
  type ShardGroup,
  type ShardIdGroup,
  type ShardRouter,
  type ShardRouterOptions,
} from "./shard-router.ts";
export {
  DEFAULT_PGLITE_SHARDS,
  DEFAULT_POOL_MAX,
  ShardConfigError,
  parseShardConfig,
  redactUrl,
  shardConfigFromEnv,
  type Env,
  type PgliteShardConfig,
  type PostgresShardConfig,
  type ShardConfig,
  type ShardConfigOptions,
  type ShardConfigResult,
} from "./shard-config.ts";
export {
  createPgliteSqlClient,
  createPostgresPool,
  createPostgresSqlClient,
  type Row,
  type SqlClient,
  type SqlQueryable,
} from "./sql-client.ts";
export {
  createPrismaShards,
  openSqlShards,
  type PrismaShard,
  type PrismaShards,
  type PrismaShardsOptions,
  type ShardConnectionOptions,
  type SqlDriverAdapterFactory,
  type SqlShard,
  type SqlShards,
} from "./prisma-shards.ts";
export {
  InvalidCursorError,
  InvalidPageSizeError,
  PaginationInputError,
  compareSortValues,
  connectionFromRows,
  connectionFromRowsBackward,
  decodeCursor,
  decodeOptionalCursor,
  encodeCursor,
  keysetOrderBy,
  keysetWhere,
  pageSize,
  type Connection,
  type CursorPosition,
  type Direction,
  type Edge,
  type PageInfo,
  type SortKind,
  type SortValue,
} from "./cursor.ts";
export { mergePages, scatterGather, type ScatterGatherOptions, type ShardPage } from "./scatter-gather.ts";
export {
  MigrationError,
  PRISMA_MIGRATION_LOCK,
  migrateShards,
  migrationChecksum,
  readMigrations,
  type MigrateShardsOptions,
  type Migration,
  type MigrationReport,
  type MigrationTarget,
  type ShardMigrationReport,
} from "./migrate.ts";
export { collectShardStats, type CountMode, type ShardStats, type SubgraphStats } from "./shard-stats.ts";
export { checkShards, type ShardHealth, type ShardsHealth } from "./shard-health.ts";
