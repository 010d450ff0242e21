// Public API of @plaza/testkit. Test-only code: never import it from production sources.
export { testInfra } from "./test-infra.ts";
export { readTestInfraEnv, TEST_INFRA_ENV, TEST_INFRA_KEY, type TestInfra } from "./test-infra-env.ts";
export { startTestServices, testInfraEnv, type TestServices } from "./test-services.ts";
export {
  createTestDatabase,
  createTestPgPool,
  assertTestDatabaseName,
  assertTestDatabaseUrl,
  databaseNameOf,
  testDatabaseName,
  TEST_DATABASE_PREFIX,
  type TestDatabase,
  type CreateTestDatabaseOptions,
} from "./test-database.ts";
export { createRedisTestClient, createKafkaTestClient } from "./clients.ts";
export { waitFor, sleep, type WaitForOptions } from "./wait-for.ts";
export { uniqueName } from "./unique-name.ts";
export * from "./services/index.ts";
export { openTestShards, type OutboxRow, type TestShards } from "./test-shards.ts";
export { hostileRequests, seededRandom, type HostileRequest } from "./hostile-requests.ts";
export { heapAfterGc } from "./heap.ts";
