import { Kafka, logLevel, type KafkaConfig } from "kafkajs";
import { Redis, type RedisOptions } from "ioredis";
import { testInfra } from "./test-infra.ts";
import { uniqueName } from "./unique-name.ts";

/**
 * An ioredis client on the test Redis. Redis is shared by all test files of a run: use unique key prefixes
 * (`keyPrefix: uniqueName("feed") + ":"`), never FLUSHALL. Remember `await client.quit()`.
 */
export function createRedisTestClient(options: RedisOptions = {}): Redis {
  return new Redis(testInfra().redisUrl, { maxRetriesPerRequest: 2, ...options });
}

/**
 * A kafkajs client on the test broker, silent by default (kafkajs logs expected "coordinator not available" errors
 * while a fresh broker warms up). Use uniqueName() for topics and consumer groups.
 */
export function createKafkaTestClient(config: Partial<KafkaConfig> = {}): Kafka {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= "1";
  return new Kafka({
    clientId: uniqueName("plaza-test"),
    brokers: testInfra().kafkaBrokers,
    logLevel: logLevel.NOTHING,
    ...config,
  });
}
