import "dotenv/config";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { createHealth, createLogger, createShutdown } from "@plaza/kit";
import { loadRouterConfigOrExit } from "./env.ts";
import { createRouterMetrics } from "./metrics.ts";
import { routerFromConfig } from "./router-from-config.ts";

export { buildRouter, type Router, type RouterDeps } from "./app.ts";
export { createRouterMetrics, type RouterMetrics } from "./metrics.ts";
export {
  countRouterDeadLetters,
  createResponseCacheFromConfig,
  type ConfiguredResponseCache,
} from "./cache/response-cache-from-config.ts";
export { routerFromConfig, type RouterFromConfig } from "./router-from-config.ts";
export { startRevocationConsumer } from "./auth/revocation-consumer.ts";
export type { Revocation } from "./auth/sessions.ts";
export type { InvalidationNotice, RouterResponseCache } from "./cache/response-cache.ts";

async function main(): Promise<void> {
  const config = loadRouterConfigOrExit();
  const logger = createLogger({ service: "router", level: config.logLevel });

  let supergraphSdl: string;
  try {
    supergraphSdl = await readFile(config.supergraphPath, "utf8");
  } catch (err) {
    logger.fatal(
      { err, path: config.supergraphPath },
      "cannot read the supergraph (SUPERGRAPH_PATH); run `npm run schema:compose` to create it",
    );
    process.exit(1);
  }

  const metrics = createRouterMetrics();
  const health = createHealth();
  const shutdown = createShutdown(logger);
  const configured = routerFromConfig(config, { logger, metrics });
  const router = await configured.build({ supergraphSdl, health });
  // Registration order is shutdown order: stop taking requests and drain, then upstream connections.
  shutdown.add("router", () => router.close());
  shutdown.add("response-cache", () => configured.close());
  shutdown.installSignalHandlers();

  const port = await router.listen(config.port, config.host);
  if (config.metricsPort !== undefined) await router.listenMetrics(config.metricsPort, config.host);
  logger.info(
    { url: `http://${config.host}:${port}/graphql`, supergraph: config.supergraphPath, graphiql: config.graphiql },
    "router listening",
  );
}

// Importing this module (e.g. for buildRouter) must not start a server.
const startedDirectly = process.argv[1] !== undefined && pathToFileURL(resolve(process.argv[1])).href === import.meta.url;
if (startedDirectly) {
  main().catch((err: unknown) => {
    process.stderr.write(`router failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
