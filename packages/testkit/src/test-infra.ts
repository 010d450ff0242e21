import { inject } from "vitest";
import { readTestInfraEnv, TEST_INFRA_ENV, TEST_INFRA_KEY, type TestInfra } from "./test-infra-env.ts";

/**
 * The services of this test run. Inside vitest they come from the integration/e2e globalSetup through
 * `inject("plazaTestInfra")`; elsewhere (scripts, or a project without that globalSetup) from PLAZA_TEST_* variables.
 */
export function testInfra(): TestInfra {
  const provided = injectedInfra();
  if (provided) return provided;
  const fromEnv = readTestInfraEnv(process.env);
  if (fromEnv.postgresUrl && fromEnv.redisUrl && fromEnv.kafkaBrokers) return fromEnv as TestInfra;
  throw new Error(
    "testInfra(): no test services available. Run the file through the vitest `integration` or `e2e` project " +
      "(their globalSetup packages/testkit/src/global-setup.ts starts Postgres, Redis and Kafka), e.g. " +
      "`npx vitest run --project integration <file>`, or set " +
      `${TEST_INFRA_ENV.postgresUrl}, ${TEST_INFRA_ENV.redisUrl} and ${TEST_INFRA_ENV.kafkaBrokers}.`,
  );
}

function injectedInfra(): TestInfra | undefined {
  try {
    return inject(TEST_INFRA_KEY);
  } catch {
    return undefined; // not inside a vitest worker
  }
}
