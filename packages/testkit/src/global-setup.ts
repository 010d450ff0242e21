/**
 * vitest globalSetup of the `integration` and `e2e` projects.
 *
 * - Reuses the services named by PLAZA_TEST_POSTGRES_URL, PLAZA_TEST_REDIS_URL and PLAZA_TEST_KAFKA_BROKERS
 *   (comma-separated), and starts throw-away Postgres / Redis / Kafka (in parallel) for whatever is not set.
 * - Hands them to test files through vitest `provide("plazaTestInfra", …)`; tests read them with `testInfra()`.
 *   It also exports the PLAZA_TEST_* variables into this process's environment, which test workers and any
 *   process a test spawns inherit.
 * - Several projects of one run share one set of services (reference-counted in this process); the last teardown
 *   stops what was started. PLAZA_TEST_KEEP_DATA=1 keeps the temporary data directories and logs for inspection.
 */
import type { TestProject } from "vitest/node";
import { startTestServices, testInfraEnv, type TestServices } from "./test-services.ts";
import { TEST_INFRA_KEY } from "./test-infra-env.ts";

interface SharedServices {
  users: number;
  services: Promise<TestServices>;
  /** Environment values we overwrote, restored by the last teardown. */
  previousEnv: Record<string, string | undefined>;
}

// Each vitest project loads this file in its own module runner; globalThis is what they share.
const SHARED = Symbol.for("@plaza/testkit/global-setup");
type GlobalWithShared = typeof globalThis & { [SHARED]?: SharedServices };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const global = globalThis as GlobalWithShared;
  let shared = global[SHARED];
  if (!shared) {
    shared = { users: 0, services: startAndAnnounce(), previousEnv: {} };
    global[SHARED] = shared;
    shared.services.catch(() => {
      if (global[SHARED] === shared) delete global[SHARED];
    });
  }
  shared.users += 1;
  const services = await shared.services;
  for (const [name, value] of Object.entries(testInfraEnv(services.infra))) {
    if (!(name in shared.previousEnv)) shared.previousEnv[name] = process.env[name];
    process.env[name] = value;
  }
  // kafkajs prints a partitioner notice per producer otherwise.
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= "1";
  project.provide(TEST_INFRA_KEY, services.infra);

  let released = false;
  return async () => {
    if (released || !shared) return;
    released = true;
    shared.users -= 1;
    if (shared.users > 0) return;
    delete global[SHARED];
    for (const [name, value] of Object.entries(shared.previousEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await services.stop({ keepData: process.env.PLAZA_TEST_KEEP_DATA === "1" });
  };
}

async function startAndAnnounce(): Promise<TestServices> {
  const services = await startTestServices();
  const { infra, startupSeconds } = services;
  const describe = (name: "postgres" | "redis" | "kafka", where: string) =>
    startupSeconds[name] === undefined ? `${name} ${where} (reused)` : `${name} ${where} (started in ${startupSeconds[name]} s)`;
  process.stderr.write(
    `[@plaza/testkit] ${describe("postgres", infra.postgresUrl)}; ${describe("redis", infra.redisUrl)}; ` +
      `${describe("kafka", infra.kafkaBrokers.join(","))}\n`,
  );
  return services;
}
