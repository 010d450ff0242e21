/**
 * One Prisma client per physical shard, through a driver adapter: @prisma/adapter-pg for
 * Postgres URLs, pglite-prisma-adapter for embedded PGlite directories. Generic over the client
 * type: the caller passes `makeClient: (adapter) => new PrismaClient({ adapter })` from its own
 * generated client, so this package never imports one.
 *
 *   const shards = await createPrismaShards({
 *     ...shardConfigFromEnv("USERS", process.env),
 *     makeClient: (adapter) => new PrismaClient({ adapter }),
 *     logger,
 *   });
 *   await migrateShards({ migrationsDir, shards: shards.all }); // embedded mode, at start-up
 *   const user = await shards.router.forId(id)?.client.user.findUnique({ where: { id } });
 */
import { createHash } from "node:crypto";
import type { Logger } from "pino";
import type { SqlDriverAdapterFactory } from "@prisma/client/runtime/client";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { DEFAULT_BUCKET_COUNT, shardName, type BucketMap } from "./buckets.ts";
import { createShardRouter, type Shard, type ShardRouter } from "./shard-router.ts";
import {
  createPgliteSqlClient,
  createPostgresPool,
  createPostgresSqlClient,
  lockPgliteDir,
  type SqlClient,
} from "./sql-client.ts";
import { redactUrl } from "./shard-config.ts";
import { openPglite } from "./pglite-open.ts";

export type { SqlDriverAdapterFactory };

/** A physical shard with only a raw SQL handle (migrations, statistics). */
export interface SqlShard {
  readonly name: string;
  readonly index: number;
  readonly kind: "postgres" | "pglite";
  /** Redacted URL or data directory, for logs. */
  readonly location: string;
  readonly sql: SqlClient;
}

/** A physical shard with its Prisma client. */
export interface PrismaShard<C> extends SqlShard, Shard<C> {}

export interface ShardConnectionOptions {
  /** Postgres shards, in shard order. Exactly one of shardUrls / pgliteDirs must be non-empty. */
  shardUrls?: readonly string[];
  /** PGlite data directories ("memory://" for throw-away ones), in shard order. */
  pgliteDirs?: readonly string[];
  /** Postgres pool size per shard (default 10). */
  poolMax?: number;
  /** Named prepared statements for Prisma's queries on Postgres (default true; false behind PgBouncer transaction pooling). */
  preparedStatements?: boolean;
  logger?: Logger;
}

export interface SqlShards {
  readonly all: readonly SqlShard[];
  close(): Promise<void>;
}

export interface PrismaShardsOptions<C> extends ShardConnectionOptions {
  makeClient: (adapter: SqlDriverAdapterFactory, shard: { name: string; index: number }) => C;
  /** Defaults to buckets spread evenly over the shards. */
  bucketMap?: BucketMap;
  bucketCount?: number;
}

export interface PrismaShards<C> {
  readonly all: readonly PrismaShard<C>[];
  readonly router: ShardRouter<PrismaShard<C>>;
  /** Disconnects every client and closes every pool / PGlite database. */
  close(): Promise<void>;
}

interface OpenedShard extends SqlShard {
  /** Present when opened for Prisma. */
  readonly adapter?: SqlDriverAdapterFactory;
}

/** Raw SQL handles only, without Prisma clients. */
export async function openSqlShards(options: ShardConnectionOptions): Promise<SqlShards> {
  const opened = await openShards(options, false);
  return { all: opened.map(({ adapter: _adapter, ...shard }) => shard), close: () => closeAll(opened.map((shard) => shard.sql)) };
}

export async function createPrismaShards<C>(options: PrismaShardsOptions<C>): Promise<PrismaShards<C>> {
  const opened = await openShards(options, true);
  const all: PrismaShard<C>[] = [];
  try {
    for (const shard of opened) {
      const { adapter, ...rest } = shard;
      if (!adapter) throw new Error(`shard ${shard.name} was opened without a driver adapter`);
      all.push({ ...rest, client: options.makeClient(adapter, { name: shard.name, index: shard.index }) });
    }
  } catch (error) {
    await closeAll(opened.map((shard) => shard.sql));
    throw error;
  }
  const router = createShardRouter<C, PrismaShard<C>>({
    shards: all,
    bucketMap: options.bucketMap,
    bucketCount: options.bucketCount ?? DEFAULT_BUCKET_COUNT,
  });
  let closing: Promise<void> | undefined;
  return {
    all,
    router,
    close() {
      closing ??= (async () => {
        await Promise.allSettled(all.map((shard) => disconnect(shard.client)));
        await closeAll(all.map((shard) => shard.sql));
      })();
      return closing;
    },
  };
}

async function disconnect(client: unknown): Promise<void> {
  const candidate = client as { $disconnect?: () => Promise<void> };
  if (typeof candidate.$disconnect === "function") await candidate.$disconnect();
}

async function closeAll(clients: readonly SqlClient[]): Promise<void> {
  const results = await Promise.allSettled(clients.map((sql) => sql.close()));
  const failed = results.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed) throw failed.reason;
}

async function openShards(options: ShardConnectionOptions, withAdapter: boolean): Promise<OpenedShard[]> {
  const urls = options.shardUrls ?? [];
  const dirs = options.pgliteDirs ?? [];
  if (urls.length > 0 === dirs.length > 0) {
    throw new Error("configure exactly one of shardUrls (Postgres) or pgliteDirs (embedded PGlite), non-empty");
  }
  if (urls.length > 0) return urls.map((url, index) => openPostgresShard(url, index, options, withAdapter));
  // Open one at a time: a failure (e.g. a locked directory) must not leave the others open.
  const opened: OpenedShard[] = [];
  try {
    for (const [index, dir] of dirs.entries()) opened.push(await openPgliteShard(dir, index, withAdapter));
  } catch (error) {
    await closeAll(opened.map((shard) => shard.sql));
    throw error;
  }
  return opened;
}

function openPostgresShard(url: string, index: number, options: ShardConnectionOptions, withAdapter: boolean): OpenedShard {
  const name = shardName(index);
  const pool = createPostgresPool(url, { max: options.poolMax, logger: options.logger, name });
  const adapter = withAdapter
    ? new PrismaPg(pool, {
        ...(options.preparedStatements === false ? {} : { statementNameGenerator: createStatementNamer() }),
        onConnectionError: (error) => options.logger?.warn({ err: error, shard: name }, "Postgres connection error"),
      })
    : undefined;
  return { name, index, kind: "postgres", location: redactUrl(url), sql: createPostgresSqlClient(pool), adapter };
}

async function openPgliteShard(dir: string, index: number, withAdapter: boolean): Promise<OpenedShard> {
  const name = shardName(index);
  const inMemory = dir.startsWith("memory://");
  let unlock: (() => void) | undefined;
  if (!inMemory) unlock = lockPgliteDir(dir);
  try {
    const db = await openPglite(dir);
    const adapter = withAdapter ? new PrismaPGlite(db) : undefined;
    return { name, index, kind: "pglite", location: dir, sql: createPgliteSqlClient(db, unlock), adapter };
  } catch (error) {
    unlock?.();
    throw error;
  }
}

/**
 * Names Prisma's statements after a hash of their SQL so each pg connection prepares a statement
 * once and reuses its plan (the same text always gets the same name, as pg requires).
 */
function createStatementNamer(): (query: { sql: string }) => string {
  const names = new Map<string, string>();
  return ({ sql }) => {
    let name = names.get(sql);
    if (name === undefined) {
      name = `plaza_${createHash("sha1").update(sql).digest("base64url")}`;
      if (names.size >= 10_000) names.clear(); // bounded memory; names are recomputed identically
      names.set(sql, name);
    }
    return name;
  };
}
