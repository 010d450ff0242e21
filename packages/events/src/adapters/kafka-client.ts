import kafkajs, { type KafkaConfig, type logCreator, type RetryOptions } from "kafkajs";
import type { Logger } from "pino";
import "./kafkajs-idle-timer-fix.ts";

const { Kafka, logLevel } = kafkajs;
export type KafkaClient = InstanceType<typeof Kafka>;

const TRANSIENT_NAMESPACES = new Set(["Connection", "BrokerPool"]);

/** kafkajs logs go through the service's pino logger, tagged with the kafkajs namespace (Producer, Runner…). */
export function createKafkaLogCreator(logger: Logger): logCreator {
  const kafkaLogger = logger.child({ component: "kafkajs" });
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _name, ...extra } = log;
      const fields = { namespace, ...extra };
      // kafkajs reports every refused connection as an error although it retries them; the bus reports
      // what actually failed (a rejected publish, a crashed consumer), so these are only warnings.
      if (level === logLevel.ERROR && TRANSIENT_NAMESPACES.has(namespace)) level = logLevel.WARN;
      switch (level) {
        case logLevel.ERROR:
          kafkaLogger.error(fields, message);
          break;
        case logLevel.WARN:
          kafkaLogger.warn(fields, message);
          break;
        case logLevel.INFO:
          kafkaLogger.info(fields, message);
          break;
        default:
          kafkaLogger.debug(fields, message);
      }
    };
}

/** Lets kafkajs skip building log entries pino would drop anyway. */
export function kafkaLogLevelFor(logger: Logger): kafkajs.logLevel {
  switch (logger.level) {
    case "trace":
    case "debug":
      return logLevel.DEBUG;
    case "info":
      return logLevel.INFO;
    case "warn":
      return logLevel.WARN;
    case "silent":
      return logLevel.NOTHING;
    default:
      return logLevel.ERROR;
  }
}

export interface KafkaClientOptions {
  brokers: readonly string[];
  logger: Logger;
  clientId?: string;
  /** TCP connect timeout per broker (kafkajs default 1000). */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Retry policy for cluster operations (metadata, joins, commits). */
  retry?: RetryOptions;
}

export function createKafkaClient(options: KafkaClientOptions): KafkaClient {
  const config: KafkaConfig = {
    clientId: options.clientId ?? "plaza",
    brokers: [...options.brokers],
    logLevel: kafkaLogLevelFor(options.logger),
    logCreator: createKafkaLogCreator(options.logger),
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    retry: options.retry ?? { initialRetryTime: 100, maxRetryTime: 2_000, retries: 8 },
  };
  return new Kafka(config);
}
