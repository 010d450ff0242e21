// Throw-away Postgres, Redis and Kafka for a benchmark run (loopback, temporary directories), so figures never
// depend on, or disturb, the data of `infra:up`. Services named by PLAZA_TEST_POSTGRES_URL / PLAZA_TEST_REDIS_URL /
// PLAZA_TEST_KAFKA_BROKERS (the test services already running) are reused instead: databases are then created under
// unique test names and dropped at the end; callers keep their keys and consumer groups apart by prefix.
import { randomBytes } from "node:crypto";
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
  const shared = sharedTestServices();
  if (shared.postgresUrl || shared.redisUrl || shared.kafkaBrokers) return startPartlySharedServices(shared);
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

interface SharedServices {
  postgresUrl?: string;
  redisUrl?: string;
  kafkaBrokers?: string[];
}

/**
 * The test services' variables, as @plaza/testkit's test-infra-env.ts reads them (not imported: that module augments
 * vitest's types, which this package does not have). Empty values count as unset.
 */
function sharedTestServices(env: NodeJS.ProcessEnv = process.env): SharedServices {
  const brokers = (env.PLAZA_TEST_KAFKA_BROKERS ?? "")
    .split(",")
    .map((broker) => broker.trim())
    .filter(Boolean);
  return {
    postgresUrl: env.PLAZA_TEST_POSTGRES_URL || undefined,
    redisUrl: env.PLAZA_TEST_REDIS_URL || undefined,
    kafkaBrokers: brokers.length > 0 ? brokers : undefined,
  };
}

/** The services PLAZA_TEST_* name, and throw-away ones for the rest. */
async function startPartlySharedServices(shared: SharedServices): Promise<BenchServices> {
  const [postgres, redis, kafka] = await Promise.all([
    shared.postgresUrl ? undefined : startPostgres(),
    shared.redisUrl ? undefined : startRedis(),
    shared.kafkaBrokers ? undefined : startKafka(),
  ]);
  const serverUrl = shared.postgresUrl ?? postgres!.url;
  // The test databases' naming (plaza_test_*), unique per run: other runs and test files share the server.
  const run = randomBytes(4).toString("hex");
  const created: string[] = [];
  const withAdmin = async (work: (admin: ReturnType<typeof createPostgresPool>) => Promise<void>) => {
    const admin = createPostgresPool(serverUrl, { max: 1 });
    try {
      await work(admin);
    } finally {
      await admin.end();
    }
  };
  return {
    redisUrl: shared.redisUrl ?? redis!.url,
    kafkaBrokers: shared.kafkaBrokers ?? kafka!.brokers,
    async createDatabases(prefix, count) {
      const names = Array.from({ length: count }, (_, i) => `plaza_test_${prefix.slice(0, 40)}_${run}_${i}`);
      await withAdmin(async (admin) => {
        for (const name of names) {
          await admin.query(`CREATE DATABASE "${name}"`);
          created.push(name);
        }
      });
      return names.map((name) => {
        const url = new URL(serverUrl);
        url.pathname = `/${name}`;
        return url.toString();
      });
    },
    async stop() {
      await withAdmin(async (admin) => {
        for (const name of created) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }).catch(() => undefined);
      await Promise.allSettled([postgres?.destroy(), redis?.destroy(), kafka?.destroy()]);
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
