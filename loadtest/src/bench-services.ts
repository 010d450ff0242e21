// Throw-away Postgres, Redis and Kafka for a benchmark run (loopback, temporary directories), so figures never
// depend on, or disturb, the data of `infra:up`.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { createPostgresPool } from "@plaza/sharding";
import { startKafka, startPostgres, startRedis } from "@plaza/testkit/services";
import { freePort, repoRoot } from "./process-stack.ts";

export interface BenchServices {
  redisUrl: string;
  kafkaBrokers: string[];
  /** Creates `count` empty databases and returns their URLs. */
  createDatabases(prefix: string, count: number): Promise<string[]>;
  stop(): Promise<void>;
}

export async function startBenchServices(): Promise<BenchServices> {
  const [postgres, redis, kafka] = await Promise.all([startPostgres(), startRedis(), startKafka()]);
  return {
    redisUrl: redis.url,
    kafkaBrokers: kafka.brokers,
    async createDatabases(prefix, count) {
      const admin = createPostgresPool(postgres.url, { max: 1 });
      try {
        const names = Array.from({ length: count }, (_, i) => `${prefix}_${i}`);
        for (const name of names) await admin.query(`CREATE DATABASE "${name}"`);
        return names.map((name) => postgres.databaseUrl(name));
      } finally {
        await admin.end();
      }
    },
    async stop() {
      await Promise.allSettled([postgres.destroy(), redis.destroy(), kafka.destroy()]);
    },
  };
}

/**
 * For `npm start` in a child process: every subgraph with a Prisma schema gets two fresh databases and every subgraph
 * a free port, so nothing falls back to the databases or ports of `.env` (the child reads it).
 */
export async function isolatedSubgraphEnv(services: BenchServices): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  const dirs = (parent: string) =>
    readdirSync(join(repoRoot, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  for (const name of dirs("prisma").filter((n) => existsSync(join(repoRoot, "prisma", n, "migrations")))) {
    const prefix = name.toUpperCase().replace(/[^A-Z0-9]+/g, "_");
    env[`${prefix}_DATABASE_SHARD_URLS`] = (await services.createDatabases(`bench_${name.replace(/[^a-z0-9]+/g, "_")}`, 2)).join(
      ",",
    );
  }
  // startProcessStack picks the users and posts ports itself (and reports their URLs).
  for (const name of dirs("subgraphs").filter((n) => n !== "users" && n !== "posts")) {
    env[`${name.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}_PORT`] = String(await freePort());
  }
  return env;
}

/** Polls until `check` holds; benchmarks wait for the system, they never sleep a fixed time. */
export async function until(check: () => Promise<boolean>, what: string, timeoutMs = 300_000, intervalMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
