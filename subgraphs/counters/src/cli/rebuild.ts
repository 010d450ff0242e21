// `npm run counters:rebuild [-- --reset]`: rebuilds the counters' hot store (Redis) from the durable copy (Postgres
// shards + the counter log), for the deployment configured in the environment / .env.
//   default   restores every counter Redis does not hold, then marks Redis warm (the same thing a service instance
//             does on its own when it notices Redis lost its data)
//   --reset   first drops every counter and like set from Redis, then rebuilds all of them: a full resync
// Safe while the service runs: the command joins the write-behind consumer group for its duration, so the durable
// copy catches up even when no instance is running.
import "dotenv/config";
import { parseArgs } from "node:util";
import { createLogger } from "@plaza/kit";
import { exitOnConfigError } from "@plaza/runtime";
import { createPrismaShards } from "@plaza/sharding";
import { PrismaClient } from "../generated/prisma/client.ts";
import { loadCountersConfig } from "../env.ts";
import { createRebuilder } from "../application/rebuild.ts";
import { startWriteBehind } from "../application/write-behind.ts";
import { createSqlCounterSnapshots } from "../adapters/sql/sql-counter-snapshots.ts";
import { createCounterLogFromConfig, createHotStore } from "../service.ts";

const { values } = parseArgs({ options: { reset: { type: "boolean", default: false }, help: { type: "boolean", short: "h" } } });
if (values.help) {
  console.log(
    "usage: counters:rebuild [--reset]   (rebuilds Redis from Postgres + the counter log; see subgraphs/counters/README.md)",
  );
  process.exit(0);
}

const config = exitOnConfigError(() => loadCountersConfig());
if (!config.REDIS_URL || config.KAFKA_BROKERS.length === 0 || config.shards.kind !== "postgres") {
  console.error(
    "counters:rebuild works on a deployment with REDIS_URL, KAFKA_BROKERS and Postgres shards (the .env of `npm run infra:up`).\n" +
      "The embedded default (`npm start` without them) rebuilds its in-memory store by itself at every start.",
  );
  process.exit(1);
}

const logger = createLogger({ service: "counters-rebuild", level: config.LOG_LEVEL });
const shards = await createPrismaShards({
  shardUrls: config.shards.shardUrls,
  poolMax: 4,
  bucketMap: config.shards.bucketMap,
  makeClient: (adapter) => new PrismaClient({ adapter }),
  logger,
});
const snapshots = createSqlCounterSnapshots({ shards: shards.router });
const hot = createHotStore(config, { logger });
const log = await createCounterLogFromConfig(config, { logger, snapshots });
let exitCode = 0;
try {
  const writeBehind = await startWriteBehind({ log, snapshots, logger });
  try {
    const rebuilder = createRebuilder({
      log,
      snapshots,
      store: hot.store,
      logger,
      timeoutMs: Math.max(config.COUNTERS_REBUILD_TIMEOUT_MS, 120_000),
    });
    if (values.reset) {
      const removed = await hot.store.forget();
      console.log(`dropped ${removed} counter and like keys from Redis`);
    }
    const result = await rebuilder.full();
    console.log(
      `restored ${result.seeded} counters into Redis in ${result.durationMs} ms; ` +
        (result.warm ? "Redis is warm." : "Redis lost data again during the rebuild: run the command again."),
    );
    if (!result.warm) exitCode = 2;
  } finally {
    await writeBehind.stop();
  }
} catch (err) {
  console.error(`counters:rebuild failed: ${err instanceof Error ? err.message : String(err)}`);
  exitCode = 1;
} finally {
  await log.close();
  await hot.close();
  await shards.close();
}
process.exit(exitCode);
