// `npm start`: the router and every subgraph in one process. With nothing configured it runs on embedded
// defaults (PGlite shards under .data/, the in-process event bus); with DATABASE_*/KAFKA_BROKERS set (or the
// .env written by `npm run infra:up`) the same command uses the real services.
import "dotenv/config";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { createHealth, createLogger, createShutdown } from "@plaza/kit";
import { createEventBusFromConfig, exitOnConfigError } from "@plaza/runtime";
import { buildRouter, createRouterMetrics } from "@plaza/router";
import { loadRouterConfig } from "@plaza/router/env";
import { loadUsersConfig } from "@plaza/users/env";
import { startUsersService } from "@plaza/users/service";
import { withDevSecrets } from "./dev-secrets.ts";
import { seedDemoData } from "./demo-data.ts";

async function main() {
  const dataDir = resolve(process.env.DATA_DIR ?? ".data");
  const env = withDevSecrets(process.env, dataDir);
  const routerConfig = exitOnConfigError(() => loadRouterConfig(env));
  const usersConfig = exitOnConfigError(() => loadUsersConfig(env));
  const logger = createLogger({ service: "plaza", level: routerConfig.logLevel });
  const embedded = usersConfig.shards.kind === "pglite";
  const bus = createEventBusFromConfig({ kafkaBrokers: usersConfig.KAFKA_BROKERS, clientId: "plaza", logger });
  const shutdown = createShutdown(logger);

  const users = await startUsersService(usersConfig, { bus, logger });

  const router = await buildRouter({
    supergraphSdl: await readFile(routerConfig.supergraphPath, "utf8"),
    // In one process the subgraphs' real ports win over the URLs written in the supergraph.
    subgraphUrls: { users: `http://127.0.0.1:${users.port}/graphql`, ...routerConfig.subgraphUrls },
    jwtSecret: routerConfig.jwtSecret,
    internalAuthKey: routerConfig.internalAuthKey,
    logger: logger.child({ service: "router" }),
    metrics: createRouterMetrics(),
    health: createHealth(),
    graphiql: routerConfig.graphiql,
    subgraphTimeoutMs: routerConfig.subgraphTimeoutMs,
    subgraphMaxConnections: routerConfig.subgraphMaxConnections,
    maxBodyBytes: routerConfig.maxBodyBytes,
  });
  shutdown.add("router", () => router.close());
  shutdown.add("users", () => users.stop());
  shutdown.add("event bus", () => bus.close());
  shutdown.installSignalHandlers();

  const port = await router.listen(routerConfig.port, routerConfig.host);
  const url = `http://localhost:${port}/graphql`;
  if (env.SEED_DEMO_DATA !== "false") await seedDemoData(`http://127.0.0.1:${port}/graphql`, logger);
  process.stdout.write(
    `\nPlaza is running: ${url}\n` +
      `  mode: ${embedded ? `embedded (PGlite shards in ${dataDir}, in-process event bus)` : `real services (${usersConfig.shards.describe}${usersConfig.KAFKA_BROKERS.length ? ", Kafka" : ""})`}\n` +
      `  demo login: alice@plaza.dev / plaza-demo-1 (also bob@, carol@)\n\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`plaza failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
