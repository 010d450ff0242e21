import { createLogger } from "@plaza/kit";
import { testInfra, uniqueName } from "@plaza/testkit";
import { createKafkaCounterLog } from "../src/adapters/kafka/kafka-counter-log.ts";
import { runCounterLogContract } from "./counter-log.contract.ts";

runCounterLogContract("Kafka topic", async () =>
  createKafkaCounterLog({
    brokers: testInfra().kafkaBrokers,
    logger: createLogger({ service: "test", level: "silent" }),
    topic: uniqueName("counters-log"),
    groupIdPrefix: `${uniqueName("g")}.`,
    topicPartitions: 3,
  }),
);
