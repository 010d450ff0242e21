import "dotenv/config";
import { createLogger, createShutdown } from "@plaza/kit";
import { createEventBusFromConfig, exitOnConfigError } from "@plaza/runtime";
import { loadUsersConfig } from "./env.ts";
import { startUsersService } from "./service.ts";

async function main() {
  const config = exitOnConfigError(() => loadUsersConfig());
  const logger = createLogger({ service: "users", level: config.LOG_LEVEL });
  const bus = createEventBusFromConfig({
    kafkaBrokers: config.KAFKA_BROKERS,
    clientId: "plaza-users",
    logger,
    groupIdPrefix: config.KAFKA_GROUP_PREFIX,
  });
  const service = await startUsersService(config, { bus, logger });
  const shutdown = createShutdown(logger);
  shutdown.add("users", () => service.stop());
  shutdown.add("event bus", () => bus.close());
  shutdown.installSignalHandlers();
}

void main().catch((err) => {
  process.stderr.write(`users failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
