import type { Consumer, ConsumerRunConfig } from "kafkajs";
import type { Logger } from "pino";

export interface KeepRunningOptions {
  groupId: string;
  logger: Logger;
  /** True once the owner stops the consumer on purpose: no restart then. */
  isStopping(): boolean;
  /** Upper bound of the backoff between restart attempts (default 2 s). */
  maxDelayMs?: number;
}

/**
 * Runs a kafkajs consumer and keeps it running across broker outages. kafkajs restarts a crashed consumer only when
 * the crash's root cause is retriable; a broker that is down at the moment the group coordinator is looked up ends
 * in KafkaJSGroupCoordinatorNotFound, which is not, and the consumer then stays stopped for good (seen when a broker
 * restart coincides with a rejoin, mostly on a loaded machine). After such a crash this connects and runs it again
 * — its subscription is kept — with capped exponential backoff, until it runs or its owner stops it.
 */
export async function runAndKeepRunning(consumer: Consumer, config: ConsumerRunConfig, options: KeepRunningOptions) {
  const maxDelayMs = options.maxDelayMs ?? 2_000;
  let attempt = 0;

  const restartLater = () => {
    const delay = Math.min(maxDelayMs, 100 * 2 ** attempt++);
    setTimeout(() => {
      if (options.isStopping()) return;
      options.logger.warn({ groupId: options.groupId, attempt }, "restarting a kafka consumer kafkajs gave up on");
      // run() reports a failed join as another crash, which lands here again; only connect() throws.
      consumer
        .connect()
        .then(() => consumer.run(config))
        .catch((error: unknown) => {
          options.logger.warn({ err: error, groupId: options.groupId }, "kafka consumer restart failed; retrying");
          if (!options.isStopping()) restartLater();
        });
    }, delay).unref();
  };

  consumer.on(consumer.events.GROUP_JOIN, () => {
    attempt = 0;
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart && !options.isStopping()) restartLater();
  });
  await consumer.run(config);
}
