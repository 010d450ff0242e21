import { ensureInstalled, type ServiceName } from "./services/install.ts";
import { startKafka } from "./services/kafka.ts";
import { startPostgres } from "./services/postgres.ts";
import { startRedis } from "./services/redis.ts";
import type { ServiceHandle } from "./services/service-handle.ts";
import { readTestInfraEnv, TEST_INFRA_ENV, type TestInfra } from "./test-infra-env.ts";

export interface TestServices {
  infra: TestInfra;
  /** Which services were started here (the others came from PLAZA_TEST_* variables). */
  started: ServiceName[];
  /** Seconds each started service took to become ready. */
  startupSeconds: Partial<Record<ServiceName, number>>;
  /** Stops (and deletes the data of) what was started here; reused services are left alone. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/**
 * Reuses services named by PLAZA_TEST_POSTGRES_URL / PLAZA_TEST_REDIS_URL / PLAZA_TEST_KAFKA_BROKERS and starts
 * throw-away ones for the rest, in parallel.
 */
export async function startTestServices(env: NodeJS.ProcessEnv = process.env): Promise<TestServices> {
  const given = readTestInfraEnv(env);
  const needed: ServiceName[] = [];
  if (!given.postgresUrl) needed.push("postgres");
  if (!given.redisUrl) needed.push("redis");
  if (!given.kafkaBrokers) needed.push("kafka");
  if (needed.length > 0) await ensureInstalled({ services: needed });

  const startupSeconds: Partial<Record<ServiceName, number>> = {};
  const timed = async <T>(service: ServiceName, start: () => Promise<T>): Promise<T> => {
    const begin = performance.now();
    const handle = await start();
    startupSeconds[service] = Math.round(performance.now() - begin) / 1000;
    return handle;
  };
  const results = await Promise.allSettled([
    given.postgresUrl ? undefined : timed("postgres", () => startPostgres()),
    given.redisUrl ? undefined : timed("redis", () => startRedis()),
    given.kafkaBrokers ? undefined : timed("kafka", () => startKafka()),
  ]);
  const handles = results.flatMap((result) => (result.status === "fulfilled" && result.value ? [result.value] : []));
  const failures = results.flatMap((result) => (result.status === "rejected" ? [result.reason as unknown] : []));
  if (failures.length > 0) {
    await Promise.allSettled(handles.map((handle) => handle.destroy()));
    throw failures.length === 1 ? failures[0] : new AggregateError(failures, failures.map(String).join("\n\n"));
  }
  const [postgres, redis, kafka] = results.map((result) => (result.status === "fulfilled" ? result.value : undefined));

  const infra: TestInfra = {
    postgresUrl: given.postgresUrl ?? (postgres as { url: string }).url,
    redisUrl: given.redisUrl ?? (redis as { url: string }).url,
    kafkaBrokers: given.kafkaBrokers ?? (kafka as { brokers: string[] }).brokers,
  };
  return {
    infra,
    started: needed,
    startupSeconds,
    stop: async ({ keepData = false } = {}) => {
      await Promise.allSettled(handles.map((handle: ServiceHandle) => (keepData ? handle.stop() : handle.destroy())));
    },
  };
}

/** The PLAZA_TEST_* variables describing `infra` (for child processes and later projects of the same run). */
export function testInfraEnv(infra: TestInfra): Record<string, string> {
  return {
    [TEST_INFRA_ENV.postgresUrl]: infra.postgresUrl,
    [TEST_INFRA_ENV.redisUrl]: infra.redisUrl,
    [TEST_INFRA_ENV.kafkaBrokers]: infra.kafkaBrokers.join(","),
  };
}
