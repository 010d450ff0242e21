import "dotenv/config";
import { createLogger, createShutdown } from "@plaza/kit";
import { createEventBusFromConfig, exitOnConfigError } from "@plaza/runtime";
import { loadPostsConfig } from "./env.ts";
import { startPostsService } from "./service.ts";

async function main() {
  const config = exitOnConfigError(() => loadPostsConfig());
  const logger = createLogger({ service: "posts", level: config.LOG_LEVEL });
  const bus = createEventBusFromConfig({
    kafkaBrokers: config.KAFKA_BROKERS,
    clientId: "plaza-posts",
    logger,
    groupIdPrefix: config.KAFKA_GROUP_PREFIX,
  });
  const service = await startPostsService(config, { bus, logger });
  const shutdown = createShutdown(logger);
  shutdown.add("posts", () => service.stop());
  shutdown.add("event bus", () => bus.close());
  shutdown.installSignalHandlers();
}

void main().catch((err) => {
  process.stderr.write(`posts failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
