import { readFile } from "node:fs/promises";
import { createHealth, type Logger } from "@plaza/kit";
import type { EventBus } from "@plaza/events";
import { createEventBusFromConfig } from "@plaza/runtime";
import { buildRouter, createRouterMetrics, type Router } from "@plaza/router";
import { loadRouterConfig } from "@plaza/router/env";
import { loadUsersConfig } from "@plaza/users/env";
import { startUsersService, type UsersService } from "@plaza/users/service";

export interface PlazaStack {
  routerUrl: string;
  routerPort: number;
  router: Router;
  users: UsersService;
  bus: EventBus;
  /** Embedded: PGlite shards and the in-process bus. */
  embedded: boolean;
  describe: string;
  stop(): Promise<void>;
}

/**
 * Every subgraph and the router in one process, from one environment. `npm start` runs this; end-to-end tests
 * run the very same wiring against throw-away Postgres/Kafka with port 0.
 */
export async function startPlazaStack(env: Record<string, string | undefined>, logger: Logger): Promise<PlazaStack> {
  const routerConfig = loadRouterConfig(env);
  const usersConfig = loadUsersConfig(env);
  const bus = createEventBusFromConfig({
    kafkaBrokers: usersConfig.KAFKA_BROKERS,
    clientId: "plaza",
    logger,
    groupIdPrefix: usersConfig.KAFKA_GROUP_PREFIX,
  });
  const users = await startUsersService(usersConfig, { bus, logger });
  let router: Router | undefined;
  try {
    router = await buildRouter({
      supergraphSdl: await readFile(routerConfig.supergraphPath, "utf8"),
      // In one process the subgraphs' bound ports win over the URLs written in the supergraph.
      subgraphUrls: { ...routerConfig.subgraphUrls, users: `http://127.0.0.1:${users.port}/graphql` },
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
    const routerPort = await router.listen(routerConfig.port, routerConfig.host);
    const embedded = usersConfig.shards.kind === "pglite";
    const started = router;
    return {
      routerUrl: `http://127.0.0.1:${routerPort}/graphql`,
      routerPort,
      router: started,
      users,
      bus,
      embedded,
      describe: embedded
        ? "embedded (PGlite shards, in-process event bus)"
        : `real services (${usersConfig.shards.describe}${usersConfig.KAFKA_BROKERS.length ? `; Kafka ${usersConfig.KAFKA_BROKERS.join(",")}` : ""})`,
      // Ordered: stop taking requests, then the services, then the bus they publish to.
      async stop() {
        await started.close();
        await users.stop();
        await bus.close();
      },
    };
  } catch (err) {
    await router?.close();
    await users.stop();
    await bus.close();
    throw err;
  }
}
