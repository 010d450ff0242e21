import "dotenv/config";
import { createLogger, createShutdown } from "@plaza/kit";
import { createEventBusFromConfig, exitOnConfigError } from "@plaza/runtime";
import { loadCountersConfig } from "./env.ts";
import { startCountersService } from "./service.ts";

async function main() {
  const config = exitOnConfigError(() => loadCountersConfig());
  const logger = createLogger({ service: "counters", level: config.LOG_LEVEL });
  const bus = createEventBusFromConfig({
    kafkaBrokers: config.KAFKA_BROKERS,
    clientId: "plaza-counters",
    logger,
    groupIdPrefix: config.KAFKA_GROUP_PREFIX,
  });
  const service = await startCountersService(config, { bus, logger });
  const shutdown = createShutdown(logger);
  shutdown.add("counters", () => service.stop());
  shutdown.add("event bus", () => bus.close());
  shutdown.installSignalHandlers();
}

void main().catch((err) => {
  process.stderr.write(`counters failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
