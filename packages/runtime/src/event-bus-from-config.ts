import { createInProcessEventBus, createKafkaEventBus, type EventBus } from "@plaza/events";
import type { Logger } from "@plaza/kit";

/** Kafka when brokers are configured; otherwise the in-process bus of the embedded single-process default. */
export function createEventBusFromConfig(opts: {
  kafkaBrokers: readonly string[];
  clientId: string;
  logger: Logger;
  /** KAFKA_GROUP_PREFIX: keeps consumer groups of deployments (or test stacks) sharing a cluster apart. */
  groupIdPrefix?: string;
}): EventBus {
  if (opts.kafkaBrokers.length > 0) {
    return createKafkaEventBus({
      brokers: opts.kafkaBrokers,
      clientId: opts.clientId,
      logger: opts.logger,
      groupIdPrefix: opts.groupIdPrefix,
    });
  }
  return createInProcessEventBus({ logger: opts.logger });
}
