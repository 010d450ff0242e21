import "dotenv/config";
import { createLogger, createShutdown } from "@plaza/kit";
import { createEventBusFromConfig, exitOnConfigError } from "@plaza/runtime";
import { loadPaymentsConfig } from "./env.ts";
import { startPaymentsService } from "./service.ts";

async function main() {
  const config = exitOnConfigError(() => loadPaymentsConfig());
  const logger = createLogger({ service: "payments", level: config.LOG_LEVEL });
  const bus = createEventBusFromConfig({
    kafkaBrokers: config.KAFKA_BROKERS,
    clientId: "plaza-payments",
    logger,
    groupIdPrefix: config.KAFKA_GROUP_PREFIX,
  });
  const service = await startPaymentsService(config, { bus, logger });
  const shutdown = createShutdown(logger);
  shutdown.add("payments", () => service.stop());
  shutdown.add("event bus", () => bus.close());
  shutdown.installSignalHandlers();
}

void main().catch((err) => {
  process.stderr.write(`payments failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
