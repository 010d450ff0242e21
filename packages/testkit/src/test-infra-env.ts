// Shared by global-setup.ts (main vitest process) and test-infra.ts (workers). Must not import "vitest" at runtime:
// vitest throws when its runtime module is loaded outside a test worker.

/** Connection settings of the services shared by every integration/e2e test of one vitest run. */
export interface TestInfra {
  /** Superuser URL of the server, database "postgres". Create databases with createTestDatabase(). */
  postgresUrl: string;
  redisUrl: string;
  kafkaBrokers: string[];
}

/** Environment variables naming services to reuse instead of starting throw-away ones. */
export const TEST_INFRA_ENV = {
  postgresUrl: "PLAZA_TEST_POSTGRES_URL",
  redisUrl: "PLAZA_TEST_REDIS_URL",
  /** Comma-separated host:port list. */
  kafkaBrokers: "PLAZA_TEST_KAFKA_BROKERS",
} as const;

/** Key under which global-setup.ts hands the services to test workers (vitest provide/inject). */
export const TEST_INFRA_KEY = "plazaTestInfra";

declare module "vitest" {
  export interface ProvidedContext {
    plazaTestInfra: TestInfra;
  }
}

/** Whatever PLAZA_TEST_* variables are set (empty values count as unset). */
export function readTestInfraEnv(env: NodeJS.ProcessEnv): Partial<TestInfra> {
  const brokers = env[TEST_INFRA_ENV.kafkaBrokers]
    ?.split(",")
    .map((broker) => broker.trim())
    .filter(Boolean);
  return {
    postgresUrl: env[TEST_INFRA_ENV.postgresUrl] || undefined,
    redisUrl: env[TEST_INFRA_ENV.redisUrl] || undefined,
    kafkaBrokers: brokers && brokers.length > 0 ? brokers : undefined,
  };
}
