import { createOutboxRelay, type EventBus, type OutboxRelay, type SqlClient } from "@plaza/events";
import type { Health, Logger, ServiceMetrics } from "@plaza/kit";
import { countEventDeadLetters } from "./dead-letter-counter.ts";
import {
  createPrismaShards,
  migrateShards,
  type PrismaShards,
  type ShardConfig,
  type SqlDriverAdapterFactory,
} from "@plaza/sharding";

export interface SubgraphStorage<C> {
  shards: PrismaShards<C>;
  relay: OutboxRelay;
  /**
   * Resolves when every shard answers: an event consumer's `dependenciesUp`, so events that fail during a database
   * outage are retried rather than dead-lettered.
   */
  reachable(): Promise<void>;
  close(): Promise<void>;
}

/**
 * What every subgraph with its own sharded database needs, wired once: a Prisma client per shard, migrations
 * (embedded mode applies them at start; real deployments run `npm run db:migrate`), the outbox relay, a
 * readiness check per shard, the outbox backlog gauge, and the count of its event consumers' dead letters.
 */
export async function openSubgraphStorage<C extends SqlClient>(opts: {
  service: string;
  shardConfig: ShardConfig;
  makeClient: (adapter: SqlDriverAdapterFactory) => C;
  migrationsDir: string;
  migrateOnStart: boolean;
  bus: EventBus;
  logger: Logger;
  metrics: ServiceMetrics;
  health: Health;
}): Promise<SubgraphStorage<C>> {
  const { shardConfig, logger } = opts;
  const shards = await createPrismaShards<C>({
    ...(shardConfig.kind === "postgres"
      ? { shardUrls: shardConfig.shardUrls, poolMax: shardConfig.poolMax, preparedStatements: shardConfig.preparedStatements }
      : { pgliteDirs: shardConfig.pgliteDirs }),
    bucketMap: shardConfig.bucketMap,
    makeClient: (adapter) => opts.makeClient(adapter),
    logger,
  });
  try {
    if (opts.migrateOnStart) {
      const report = await migrateShards({ migrationsDir: opts.migrationsDir, shards: shards.all, logger });
      logger.info({ durationMs: report.durationMs, shards: report.shards.length }, "migrations applied");
    }
  } catch (err) {
    await shards.close();
    throw err;
  }

  const published = opts.metrics.counter("outbox_published_total", "Outbox rows published", ["shard"]);
  const failures = opts.metrics.counter("outbox_publish_failures_total", "Failed outbox publish attempts", ["shard"]);
  const relay = createOutboxRelay({
    shards: shards.all.map((shard) => ({ name: `${opts.service}-${shard.name}`, db: shard.client })),
    bus: opts.bus,
    logger: logger.child({ component: "outbox-relay" }),
    metrics: {
      published: (shard, count) => published.inc({ shard }, count),
      failed: (shard) => failures.inc({ shard }),
    },
  });
  // Read on scrape only, so an idle service does not poll its shards for metrics.
  const oldest = opts.metrics.gauge("outbox_oldest_unpublished_seconds", "Age of the oldest unpublished outbox row", ["shard"]);
  opts.metrics.gauge("outbox_backlog_events", "Unpublished outbox rows", ["shard"], async function () {
    for (const row of await relay.backlog()) {
      this.set({ shard: row.shard }, row.unpublished);
      oldest.set({ shard: row.shard }, row.oldestAgeSeconds);
    }
  });

  for (const shard of shards.all) {
    opts.health.addCheck(`${opts.service}-${shard.name}`, async () => {
      await shard.sql.query("SELECT 1");
    });
  }
  relay.start();
  // Every subgraph with storage also consumes events: its consumers' dead letters are counted in its metrics.
  const stopCountingDeadLetters = countEventDeadLetters({ bus: opts.bus, service: opts.service, metrics: opts.metrics });

  return {
    shards,
    relay,
    async reachable() {
      await Promise.all(shards.all.map((shard) => shard.sql.query("SELECT 1")));
    },
    async close() {
      stopCountingDeadLetters();
      await relay.stop();
      await shards.close();
    },
  };
}
