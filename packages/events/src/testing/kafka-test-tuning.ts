import { pino } from "pino";
import type { KafkaConsumerTuning } from "../adapters/kafka-event-bus.ts";

/** Logger for Kafka tests: silent unless PLAZA_TEST_LOG_LEVEL asks for more. */
export const kafkaTestLogger = pino({ level: process.env.PLAZA_TEST_LOG_LEVEL ?? "silent" });

/** Quick joins and rebalances for tests (the broker's minimum session timeout is 6 s). */
export const FAST_CONSUMER: KafkaConsumerTuning = {
  sessionTimeoutMs: 6_000,
  heartbeatIntervalMs: 200,
  rebalanceTimeoutMs: 6_000,
  maxWaitTimeMs: 100,
};
