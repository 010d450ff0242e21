import { createHealth, type Logger } from "@plaza/kit";
import type { EventBus } from "@plaza/events";
import { createEventBusFromConfig } from "@plaza/runtime";
import { createRouterMetrics, routerFromConfig, type Router, type RouterResponseCache } from "@plaza/router";
import { loadRouterConfig } from "@plaza/router/env";
import { loadUsersConfig } from "@plaza/users/env";
import { startUsersService, type UsersService } from "@plaza/users/service";
import { loadPostsConfig } from "@plaza/posts/env";
import { startPostsService, type PostsService } from "@plaza/posts/service";
import { loadCountersConfig } from "@plaza/counters/env";
import { startCountersService, type CountersService } from "@plaza/counters/service";
import { loadChatConfig } from "@plaza/chat/env";
import { startChatService, type ChatService } from "@plaza/chat/service";
import { loadPaymentsConfig } from "@plaza/payments/env";
import { startPaymentsService, type PaymentsService } from "@plaza/payments/service";

export interface PlazaStack {
  routerUrl: string;
  routerPort: number;
  router: Router;
  /** The router's response cache (undefined when RESPONSE_CACHE_ENABLED=false). */
  responseCache?: RouterResponseCache;
  users: UsersService;
  posts: PostsService;
  counters: CountersService;
  chat: ChatService;
  payments: PaymentsService;
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
  // The stack runs the users subgraph, so its router checks sessions there unless told otherwise ("" turns it off).
  const routerConfig = loadRouterConfig({ ROUTER_SESSION_SUBGRAPH: "users", ...env });
  const usersConfig = loadUsersConfig(env);
  const postsConfig = loadPostsConfig(env);
  const countersConfig = loadCountersConfig(env);
  const chatConfig = loadChatConfig(env);
  const paymentsConfig = loadPaymentsConfig(env);
  if (routerConfig.jwtMaxTtlSeconds < usersConfig.JWT_TTL_SECONDS) {
    // The router would refuse every token users issues.
    throw new Error(
      `JWT_MAX_TTL_SECONDS (${routerConfig.jwtMaxTtlSeconds}) must be at least JWT_TTL_SECONDS (${usersConfig.JWT_TTL_SECONDS})`,
    );
  }
  const bus = createEventBusFromConfig({
    kafkaBrokers: usersConfig.KAFKA_BROKERS,
    clientId: "plaza",
    logger,
    groupIdPrefix: usersConfig.KAFKA_GROUP_PREFIX,
  });
  const routerLogger = logger.child({ service: "router" });
  const routerMetrics = createRouterMetrics();
  // Created first: its invalidation consumer joins while the subgraphs start.
  const configuredRouter = routerFromConfig(routerConfig, { logger: routerLogger, metrics: routerMetrics, bus });
  const responseCache = { cache: configuredRouter.responseCache.cache, close: () => configuredRouter.close() };
  // Started parts, stopped last first when a later part fails and on stop; the response cache's consumer closes
  // before the services and the bus they publish to.
  const parts: Array<{ stop(): Promise<void> }> = [{ stop: () => bus.close() }];
  async function stopParts(): Promise<void> {
    await responseCache.close();
    for (const part of parts.splice(0).reverse()) await part.stop();
  }
  async function startPart<T extends { stop(): Promise<void> }>(start: () => Promise<T>): Promise<T> {
    try {
      const part = await start();
      parts.push(part);
      return part;
    } catch (err) {
      await stopParts();
      throw err;
    }
  }
  const users = await startPart(() => startUsersService(usersConfig, { bus, logger }));
  const posts = await startPart(() => startPostsService(postsConfig, { bus, logger }));
  // Started after posts and users: their bound ports win over COUNTERS_POSTS_URL and CHAT_USERS_URL (as for the
  // router's URLs).
  const counters = await startPart(() =>
    startCountersService({ ...countersConfig, COUNTERS_POSTS_URL: `http://127.0.0.1:${posts.port}/graphql` }, { bus, logger }),
  );
  const chat = await startPart(() =>
    startChatService({ ...chatConfig, CHAT_USERS_URL: `http://127.0.0.1:${users.port}/graphql` }, { bus, logger }),
  );
  const payments = await startPart(() => startPaymentsService(paymentsConfig, { bus, logger }));
  let router: Router | undefined;
  try {
    await responseCache.cache?.consuming;
    router = await configuredRouter.build({
      // In one process the subgraphs' bound ports win over the URLs written in the supergraph.
      subgraphUrls: {
        users: `http://127.0.0.1:${users.port}/graphql`,
        posts: `http://127.0.0.1:${posts.port}/graphql`,
        counters: `http://127.0.0.1:${counters.port}/graphql`,
        chat: `http://127.0.0.1:${chat.port}/graphql`,
        payments: `http://127.0.0.1:${payments.port}/graphql`,
      },
      health: createHealth(),
    });
    const routerPort = await router.listen(routerConfig.port, routerConfig.host);
    if (routerConfig.metricsPort !== undefined) await router.listenMetrics(routerConfig.metricsPort, routerConfig.host);
    const embedded = usersConfig.shards.kind === "pglite";
    const started = router;
    return {
      routerUrl: `http://127.0.0.1:${routerPort}/graphql`,
      routerPort,
      router: started,
      responseCache: responseCache.cache,
      users,
      posts,
      counters,
      chat,
      payments,
      bus,
      embedded,
      describe: embedded
        ? "embedded (PGlite shards, in-process event bus)"
        : `real services (${usersConfig.shards.describe}${usersConfig.KAFKA_BROKERS.length ? `; Kafka ${usersConfig.KAFKA_BROKERS.join(",")}` : ""})`,
      // Ordered: stop taking requests, then the services, then the bus they publish to.
      async stop() {
        await started.close();
        await stopParts();
      },
    };
  } catch (err) {
    await router?.close();
    await stopParts();
    throw err;
  }
}
