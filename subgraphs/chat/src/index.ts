import "dotenv/config";
import { createLogger, createShutdown } from "@plaza/kit";
import { createEventBusFromConfig, exitOnConfigError } from "@plaza/runtime";
import { loadChatConfig } from "./env.ts";
import { startChatService } from "./service.ts";

async function main() {
  const config = exitOnConfigError(() => loadChatConfig());
  const logger = createLogger({ service: "chat", level: config.LOG_LEVEL });
  const bus = createEventBusFromConfig({
    kafkaBrokers: config.KAFKA_BROKERS,
    clientId: "plaza-chat",
    logger,
    groupIdPrefix: config.KAFKA_GROUP_PREFIX,
  });
  const service = await startChatService(config, { bus, logger });
  const shutdown = createShutdown(logger);
  shutdown.add("chat", () => service.stop());
  shutdown.add("event bus", () => bus.close());
  shutdown.installSignalHandlers();
}

void main().catch((err) => {
  process.stderr.write(`chat failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
